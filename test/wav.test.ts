import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { path as ffprobePath } from '@ffprobe-installer/ffprobe';
import { once } from 'node:events';
import { blockAlign, pcmFormatForSpeech, pcmToWav, validatePcmFormat, wavHeader, wavStream, writeWavFile, type PcmFormat } from '../src';
import { parseWav } from './support/wav-reader';

const dir = mkdtempSync(path.join(tmpdir(), 'together-wav-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function probe(file: string): { codec_name: string; sample_rate: string; channels: number; bits_per_sample: number; duration: string } {
  const output = execFileSync(ffprobePath, ['-v', 'error', '-show_streams', '-of', 'json', file], { encoding: 'utf8' });
  return JSON.parse(output).streams[0];
}

async function* chunksOf(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < data.length; offset += size) yield data.subarray(offset, offset + size);
}

const cases: Array<{ format: PcmFormat; formatTag: number; bits: number; codec: string }> = [
  { format: { encoding: 'pcm_s16le', sampleRate: 24000, channels: 1 }, formatTag: 1, bits: 16, codec: 'pcm_s16le' },
  { format: { encoding: 'pcm_f32le', sampleRate: 44100, channels: 2 }, formatTag: 3, bits: 32, codec: 'pcm_f32le' },
  { format: { encoding: 'pcm_mulaw', sampleRate: 8000, channels: 1 }, formatTag: 7, bits: 8, codec: 'pcm_mulaw' },
  { format: { encoding: 'pcm_alaw', sampleRate: 16000, channels: 1 }, formatTag: 6, bits: 8, codec: 'pcm_alaw' },
];

describe.each(cases)('WAV for $format.encoding', ({ format, formatTag, bits, codec }) => {
  const frames = format.sampleRate / 2; // half a second
  const pcm = Buffer.alloc(frames * format.channels * (bits / 8), 0x11);

  it('writes every header field correctly', () => {
    const wav = Buffer.from(pcmToWav(pcm, format));
    const header = parseWav(wav);
    const extended = formatTag !== 1;
    expect(header).toEqual({
      riff: 'RIFF',
      riffSize: wav.length - 8,
      wave: 'WAVE',
      fmtSize: extended ? 18 : 16,
      formatTag,
      channels: format.channels,
      sampleRate: format.sampleRate,
      byteRate: format.sampleRate * format.channels * (bits / 8),
      blockAlign: format.channels * (bits / 8),
      bitsPerSample: bits,
      ...(extended ? { cbSize: 0, factSampleLength: frames } : {}),
      dataSize: pcm.length,
      dataOffset: wav.length - pcm.length,
    });
    expect(Buffer.compare(wav.subarray(header.dataOffset), pcm)).toBe(0);
  });

  it('is read by ffprobe with the right codec, rate, channels and duration', async () => {
    const file = path.join(dir, `${format.encoding}.wav`);
    await writeWavFile(file, chunksOf(pcm, 4096), format);
    expect(Buffer.compare(readFileSync(file), pcmToWav(pcm, format))).toBe(0);
    const stream = probe(file);
    expect(stream).toMatchObject({ codec_name: codec, sample_rate: String(format.sampleRate), channels: format.channels, bits_per_sample: bits });
    expect(Number(stream.duration)).toBeCloseTo(0.5, 2);
  });

  it('streams with "unknown" sizes that ffprobe still reads', async () => {
    const file = path.join(dir, `${format.encoding}-stream.wav`);
    await pipeline(wavStream(chunksOf(pcm, 1000), format), createWriteStream(file));
    const written = readFileSync(file);
    expect(parseWav(written)).toMatchObject({ riffSize: 0xffffffff, dataSize: 0xffffffff, formatTag });
    expect(Buffer.compare(written.subarray(wavHeader(format).length), pcm)).toBe(0);
    expect(probe(file)).toMatchObject({ codec_name: codec, sample_rate: String(format.sampleRate), channels: format.channels });
  });
});

describe('writeWavFile', () => {
  it('pads an odd-length data chunk and keeps the data size exact', async () => {
    const file = path.join(dir, 'odd.wav');
    const pcm = Buffer.from([1, 2, 3]);
    const result = await writeWavFile(file, chunksOf(pcm, 2), { encoding: 'pcm_mulaw', sampleRate: 8000, channels: 1 });
    const written = readFileSync(file);
    expect(result.bytes).toBe(written.length);
    expect(written.length % 2).toBe(0);
    expect(parseWav(written)).toMatchObject({ dataSize: 3, riffSize: written.length - 8, factSampleLength: 3 });
  });

  it('removes the partial file when the source fails', async () => {
    const file = path.join(dir, 'failed.wav');
    writeFileSync(file, 'old');
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(10);
      throw new Error('source broke');
    }
    await expect(writeWavFile(file, failing(), { encoding: 'pcm_s16le', sampleRate: 24000, channels: 1 })).rejects.toThrow('source broke');
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
  });
});

describe('pcmFormatForSpeech', () => {
  it('follows the request for Cartesia, with the spec defaults', () => {
    expect(pcmFormatForSpeech({ model: 'cartesia/sonic' })).toEqual({ encoding: 'pcm_f32le', sampleRate: 44100, channels: 1 });
    expect(pcmFormatForSpeech({ model: 'cartesia/sonic', response_encoding: 'pcm_mulaw', sample_rate: 8000 })).toEqual({
      encoding: 'pcm_mulaw',
      sampleRate: 8000,
      channels: 1,
    });
  });

  it('uses pcm_s16le at 24000 Hz for Orpheus and Kokoro whatever the request says', () => {
    for (const model of ['canopylabs/orpheus-3b-0.1-ft', 'hexgrad/Kokoro-82M']) {
      expect(pcmFormatForSpeech({ model, response_encoding: 'pcm_f32le', sample_rate: 44100 })).toEqual({
        encoding: 'pcm_s16le',
        sampleRate: 24000,
        channels: 1,
      });
    }
  });

  it('lets the caller override, and rejects nonsense before anything is written', () => {
    expect(pcmFormatForSpeech({ model: 'new/model' }, { encoding: 'pcm_s16le', sampleRate: 22050 })).toEqual({
      encoding: 'pcm_s16le',
      sampleRate: 22050,
      channels: 1,
    });
    expect(() => pcmFormatForSpeech({ model: 'cartesia/sonic' }, { sampleRate: 0 })).toThrow(/sampleRate/);
    expect(() => pcmFormatForSpeech({ model: 'cartesia/sonic' }, { channels: 1.5 })).toThrow(/channels/);
    expect(() => wavHeader({ encoding: 'pcm_u8' as never, sampleRate: 8000, channels: 1 })).toThrow(/Unknown PCM encoding/);
  });
});

describe('pcmToWav with an odd number of bytes', () => {
  it('adds one zero pad byte after the data, counted in the RIFF size but not in the data size', () => {
    const pcm = Buffer.from([1, 2, 3]);
    const wav = Buffer.from(pcmToWav(pcm, { encoding: 'pcm_mulaw', sampleRate: 8000, channels: 1 }));
    const header = parseWav(wav);
    expect(wav.length).toBe(header.dataOffset + 4);
    expect(header.dataSize).toBe(3);
    expect(header.riffSize).toBe(wav.length - 8);
    expect([...wav.subarray(header.dataOffset)]).toEqual([1, 2, 3, 0]);
  });
});

describe('format bounds at their edges', () => {
  const s16 = { encoding: 'pcm_s16le', sampleRate: 24000, channels: 1 } as const;

  it('validatePcmFormat takes every positive integer sample rate a WAV header holds, and no more', () => {
    expect(validatePcmFormat({ ...s16, sampleRate: 1 })).toEqual({ ...s16, sampleRate: 1 });
    expect(validatePcmFormat({ ...s16, sampleRate: 0xffff_ffff })).toEqual({ ...s16, sampleRate: 0xffff_ffff });
    expect(() => validatePcmFormat({ ...s16, sampleRate: 0x1_0000_0000 })).toThrow(
      new TypeError('Invalid PCM sampleRate 4294967296: expected a positive integer.'),
    );
    expect(() => validatePcmFormat({ ...s16, sampleRate: 0 })).toThrow(new TypeError('Invalid PCM sampleRate 0: expected a positive integer.'));
    expect(() => validatePcmFormat({ ...s16, sampleRate: Number.NaN })).toThrow(new TypeError('Invalid PCM sampleRate NaN: expected a positive integer.'));
    expect(() => validatePcmFormat({ ...s16, channels: -1 })).toThrow(new TypeError('Invalid PCM channels -1: expected a positive integer.'));
  });

  it('validatePcmFormat takes up to 65535 channels, the most a WAV header can name', () => {
    expect(validatePcmFormat({ ...s16, channels: 65535 }).channels).toBe(65535);
    expect(() => validatePcmFormat({ ...s16, channels: 65536 })).toThrow(new TypeError('Invalid PCM channels 65536: at most 65535.'));
  });

  it('an unknown encoding is named, with the encodings there are', () => {
    expect(() => validatePcmFormat({ ...s16, encoding: 'pcm_u8' as never })).toThrow(
      new TypeError('Unknown PCM encoding "pcm_u8": expected one of pcm_s16le, pcm_f32le, pcm_alaw, pcm_mulaw.'),
    );
  });

  it.each<[string, PcmFormat, PcmFormat]>([
    [
      '65535 A-law channels; 32768 of pcm_s16le',
      { encoding: 'pcm_alaw', sampleRate: 8000, channels: 65535 },
      { encoding: 'pcm_s16le', sampleRate: 8000, channels: 32768 },
    ],
    [
      '16383 pcm_f32le channels; 16384',
      { encoding: 'pcm_f32le', sampleRate: 8000, channels: 16383 },
      { encoding: 'pcm_f32le', sampleRate: 8000, channels: 16384 },
    ],
  ])('a WAV header holds a sample frame of up to 65535 bytes, and refuses a larger one instead of writing a wrong one (%s)', (_label, largest, tooLarge) => {
    const header = parseWav(Buffer.from(wavHeader(largest, 0)));
    expect(header).toMatchObject({ channels: largest.channels, blockAlign: blockAlign(largest) });
    expect(() => wavHeader(tooLarge, 0)).toThrow(RangeError);
    expect(() => wavHeader(tooLarge)).toThrow(/WAV.*65535 bytes/);
  });

  it('a WAV header holds a byte rate of up to 4 GiB per second, and refuses a higher one instead of writing a wrong one', () => {
    const largest = { encoding: 'pcm_s16le', sampleRate: 0x7fff_ffff, channels: 1 } as const;
    expect(parseWav(Buffer.from(wavHeader(largest, 0))).byteRate).toBe(0xffff_fffe);
    expect(parseWav(Buffer.from(wavHeader({ encoding: 'pcm_mulaw', sampleRate: 0xffff_ffff, channels: 1 }, 0))).byteRate).toBe(0xffff_ffff);
    expect(() => wavHeader({ ...largest, sampleRate: 0x8000_0000 }, 0)).toThrow(RangeError);
    expect(() => wavHeader({ ...largest, sampleRate: 0x8000_0000 })).toThrow(/WAV.*byte rate/);
  });

  it('no PCM at all is a valid WAV file of 44 bytes', () => {
    const wav = Buffer.from(pcmToWav(new Uint8Array(0), s16));
    expect(wav).toHaveLength(44);
    expect(parseWav(wav)).toMatchObject({ riffSize: 36, dataSize: 0, dataOffset: 44 });
  });

  it.each([-1, 1.5, Number.NaN])('a data length of %p is refused', (length) => {
    expect(() => wavHeader(s16, length)).toThrow(new TypeError(`Invalid WAV data length ${length}.`));
  });

  it('the data may be as long as a RIFF size of 4 GiB - 2 allows, and no longer', () => {
    // 0xffffffff is the "unknown size" marker, so the largest RIFF size is one less, and even with the pad byte.
    const largest = 0xffff_fffe - 36;
    expect(parseWav(Buffer.from(wavHeader(s16, largest)))).toMatchObject({ riffSize: 0xffff_fffe, dataSize: largest });
    expect(parseWav(Buffer.from(wavHeader(s16, largest - 1)))).toMatchObject({ riffSize: 0xffff_fffe, dataSize: largest - 1 });
    expect(() => wavHeader(s16, largest + 1)).toThrow(new RangeError('PCM data too large for a WAV file (4 GiB limit).'));
    const float = { encoding: 'pcm_f32le', sampleRate: 8000, channels: 1 } as const;
    expect(parseWav(Buffer.from(wavHeader(float, 0xffff_fffe - 50)))).toMatchObject({ riffSize: 0xffff_fffe });
    expect(() => wavHeader(float, 0xffff_fffe - 49)).toThrow(RangeError);
  });

  it('the fact chunk counts whole sample frames only', () => {
    const stereoFloat = { encoding: 'pcm_f32le', sampleRate: 8000, channels: 2 } as const;
    expect(parseWav(Buffer.from(wavHeader(stereoFloat, 8 * 3 + 7))).factSampleLength).toBe(3);
  });
});

describe('wavStream', () => {
  it('is a byte stream: a reader gets exactly the bytes it asks for', async () => {
    const stream = wavStream(chunksOf(Buffer.alloc(100, 7), 50), { encoding: 'pcm_s16le', sampleRate: 8000, channels: 1 });
    await once(stream, 'readable');
    expect(stream.read(4)?.toString('ascii')).toBe('RIFF');
    stream.destroy();
  });
});

describe('pcmFormatForSpeech for other models', () => {
  it('uses pcm_s16le for Minimax whatever the request says, but its sample rate', () => {
    expect(pcmFormatForSpeech({ model: 'minimax/speech-02-hd', response_encoding: 'pcm_f32le', sample_rate: 16000 })).toEqual({
      encoding: 'pcm_s16le',
      sampleRate: 16000,
      channels: 1,
    });
    expect(pcmFormatForSpeech({ model: 'MiniMax/speech-02-turbo' })).toEqual({ encoding: 'pcm_s16le', sampleRate: 44100, channels: 1 });
  });

  it('takes a channel count from the override', () => {
    expect(pcmFormatForSpeech({ model: 'cartesia/sonic' }, { channels: 2 })).toEqual({ encoding: 'pcm_f32le', sampleRate: 44100, channels: 2 });
  });
});
