import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { removePartialFile } from '../node/partial-file';
import { BadInputError } from './exit-codes';
import type { Io } from './command';

/** Where a command's result goes: a file (`-o`), or stdout. */
export type Destination = { kind: 'file'; path: string } | { kind: 'stdout' };

/** An opened destination: a file is opened before any request, so an unwritable path fails first. */
export interface Sink {
  destination: Destination;
  stream: NodeJS.WritableStream;
}

export async function openSink(destination: Destination, io: Io): Promise<Sink> {
  if (destination.kind === 'stdout') return { destination, stream: io.stdout };
  const file = createWriteStream(destination.path);
  await new Promise<void>((resolve, reject) => {
    file.once('open', () => resolve());
    file.once('error', (error: NodeJS.ErrnoException) =>
      reject(new BadInputError(`Cannot write ${JSON.stringify(destination.path)} (${error.code ?? error.message}).`)),
    );
  });
  return { destination, stream: file };
}

/** Streams `source` into the sink, calling `onBytes` with the running total. On failure a partial file is removed. */
export async function writeOut(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, sink: Sink, onBytes?: (total: number) => void): Promise<number> {
  let total = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      onBytes?.(total);
      done(null, chunk);
    },
  });
  const readable = source instanceof Readable ? source : Readable.from(source);
  try {
    // stdout is never ended: the process may still write to it.
    await pipeline(readable, counter, sink.stream, { end: sink.destination.kind === 'file' });
  } catch (error) {
    await discard(sink);
    throw error;
  }
  return total;
}

/** Closes a file sink that will not be written, and removes the file if it is a regular one. */
export async function discard(sink: Sink): Promise<void> {
  if (sink.destination.kind !== 'file') return;
  (sink.stream as NodeJS.WritableStream & { destroy(): void }).destroy();
  await removePartialFile(sink.destination.path);
}

/** Text output, to a file or stdout. */
export async function writeText(text: string, destination: Destination, io: Io): Promise<void> {
  await writeOut([Buffer.from(text)], await openSink(destination, io));
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
