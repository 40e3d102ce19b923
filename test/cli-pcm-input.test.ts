import { toRealtimePcm } from '../src/cli/pcm-input';
import { pcmToWav } from '../src/wav';

/** Feeds `bytes` in pieces of `size`, to cross every header and frame boundary. */
async function* pieces(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

async function convert(bytes: Buffer, size = 7): Promise<Int16Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of toRealtimePcm(pieces(bytes, size), 'test.wav')) chunks.push(chunk);
  const all = Buffer.concat(chunks);
  return new Int16Array(all.buffer, all.byteOffset, all.length / 2);
}

/** A ramp from -0.5 to 0.5 over `frames` frames, the same on every channel. */
function ramp(frames: number, channels: number, write: (buffer: Buffer, value: number, index: number) => void, bytesPerSample: number): Buffer {
  const buffer = Buffer.alloc(frames * channels * bytesPerSample);
  for (let frame = 0; frame < frames; frame += 1) {
    for (let channel = 0; channel < channels; channel += 1) write(buffer, -0.5 + frame / frames, (frame * channels + channel) * bytesPerSample);
  }
  return buffer;
}

test('16 kHz mono s16le WAV passes through unchanged, without its header', async () => {
  const pcm = ramp(1000, 1, (b, v, i) => b.writeInt16LE(Math.round(v * 32768), i), 2);
  const out = await convert(Buffer.from(pcmToWav(pcm, { encoding: 'pcm_s16le', sampleRate: 16000, channels: 1 })));
  expect(Buffer.from(out.buffer, out.byteOffset, out.byteLength).equals(pcm)).toBe(true);
});

test('48 kHz stereo float is mixed down and resampled to a third of the frames, following the ramp', async () => {
  const frames = 4800;
  const pcm = ramp(frames, 2, (b, v, i) => b.writeFloatLE(v, i), 4);
  const out = await convert(Buffer.from(pcmToWav(pcm, { encoding: 'pcm_f32le', sampleRate: 48000, channels: 2 })), 1001);
  expect(out.length).toBe(frames / 3);
  out.forEach((sample, i) => expect(Math.abs(sample - Math.round((-0.5 + (3 * i) / frames) * 32768))).toBeLessThanOrEqual(1));
});

test("24 kHz (a speech model's rate) becomes 16 kHz by interpolation, across chunk boundaries", async () => {
  const frames = 2400;
  const pcm = ramp(frames, 1, (b, v, i) => b.writeInt16LE(Math.round(v * 32768), i), 2);
  const out = await convert(Buffer.from(pcmToWav(pcm, { encoding: 'pcm_s16le', sampleRate: 24000, channels: 1 })), 333);
  expect(out.length).toBe(1600);
  out.forEach((sample, i) => expect(Math.abs(sample - (-0.5 + (1.5 * i) / frames) * 32768)).toBeLessThanOrEqual(2));
});

test('raw input passes through; chunks after the data chunk are not sent as audio', async () => {
  const raw = Buffer.from([1, 0, 2, 0, 3, 0]);
  expect(Array.from(await convert(raw, 1))).toEqual([1, 2, 3]);
  const wav = Buffer.concat([pcmToWav(raw, { encoding: 'pcm_s16le', sampleRate: 16000, channels: 1 }), Buffer.from('LIST\x04\x00\x00\x00abcd', 'latin1')]);
  expect(Array.from(await convert(wav, 5))).toEqual([1, 2, 3]);
});

test('WAV it cannot read is named as bad input', async () => {
  const alaw = Buffer.from(pcmToWav(Buffer.alloc(8), { encoding: 'pcm_alaw', sampleRate: 8000, channels: 1 }));
  await expect(convert(alaw)).rejects.toThrow(/test\.wav is WAV audio this command cannot read \(format tag 6, 8-bit/);
  await expect(convert(Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt ', 'latin1'))).rejects.toThrow(/ends before its WAV "data" chunk|ends inside/);
});
