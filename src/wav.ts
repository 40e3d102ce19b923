import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { removePartialFile } from './node/partial-file';
import { wavHeader, type PcmFormat } from './pcm-format';

export * from './pcm-format';

/**
 * A WAV stream for pipes and sockets, where the header cannot be rewritten: its sizes say
 * "unknown", which players read as "until the stream ends".
 */
export function wavStream(source: AsyncIterable<Uint8Array>, format: PcmFormat): Readable {
  const header = wavHeader(format);
  async function* withHeader(): AsyncGenerator<Uint8Array> {
    yield header;
    yield* source;
  }
  return Readable.from(withHeader(), { objectMode: false });
}

/**
 * Streams PCM into a WAV file at `path`, then rewrites the header with the real sizes. Memory stays
 * bounded by one chunk; on failure the partial file is removed.
 */
export async function writeWavFile(path: string, source: AsyncIterable<Uint8Array>, format: PcmFormat): Promise<{ path: string; bytes: number }> {
  const placeholder = wavHeader(format);
  const file = await open(path, 'w');
  let dataLength = 0;
  try {
    await file.write(placeholder);
    for await (const chunk of source) {
      await file.write(chunk);
      dataLength += chunk.length;
    }
    if (dataLength % 2 === 1) await file.write(Buffer.alloc(1));
    await file.write(wavHeader(format, dataLength), 0, placeholder.length, 0);
  } catch (error) {
    await file.close();
    await removePartialFile(path);
    throw error;
  }
  await file.close();
  return { path, bytes: placeholder.length + dataLength + (dataLength % 2) };
}
