import { BadInputError } from '../src/cli/exit-codes';
import { toRealtimePcm } from '../src/cli/pcm-input';
import { pcmToWav } from '../src/wav';

const CONVERT_ADVICE = 'convert it first, e.g. ffmpeg -i IN -ar 16000 -ac 1 OUT.wav (transcribe takes MP3, M4A, WebM and FLAC files as they are).';

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

/** One RIFF chunk, with the pad byte an odd-sized body takes. */
function chunk(id: string, body: Buffer, size = body.length): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(size, 4);
  return Buffer.concat([head, body, Buffer.alloc(body.length % 2)]);
}

function riff(...chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), ...chunks]);
  return Buffer.concat([chunk('RIFF', Buffer.alloc(0), body.length), body]);
}

interface Fmt {
  tag: number;
  channels: number;
  rate: number;
  bits: number;
}

/** A "fmt " chunk; tag 0xfffe writes the WAVE_FORMAT_EXTENSIBLE layout with `subFormat` as the GUID's first two bytes. */
function fmt({ tag, channels, rate, bits }: Fmt, subFormat?: number): Buffer {
  const body = Buffer.alloc(subFormat === undefined ? 16 : 40);
  body.writeUInt16LE(tag, 0);
  body.writeUInt16LE(channels, 2);
  body.writeUInt32LE(rate, 4);
  body.writeUInt32LE((rate * channels * bits) / 8, 8);
  body.writeUInt16LE((channels * bits) / 8, 12);
  body.writeUInt16LE(bits, 14);
  if (subFormat !== undefined) {
    body.writeUInt16LE(22, 16);
    body.writeUInt16LE(bits, 18);
    body.writeUInt16LE(subFormat, 24);
    Buffer.from('000000001000800000aa00389b71', 'hex').copy(body, 26);
  }
  return chunk('fmt ', body);
}

const mono16k = { channels: 1, rate: 16000 };

async function samples(wav: Buffer, size?: number): Promise<number[]> {
  return Array.from(await convert(wav, size));
}

describe('WAV layouts, sample by sample at full scale', () => {
  test('8-bit is unsigned around 128: 0 is full-scale negative, 255 just under full-scale positive', async () => {
    const data = Buffer.from([0, 1, 128, 129, 255]);
    expect(await samples(riff(fmt({ tag: 1, bits: 8, ...mono16k }), chunk('data', data)))).toEqual([-32768, -32512, 0, 256, 32512]);
  });

  test('24-bit reads the sign from the top bit of the third byte', async () => {
    const data = Buffer.from('ffff7f' + '000080' + '000100' + '00ffff' + '000000', 'hex');
    expect(await samples(riff(fmt({ tag: 1, bits: 24, ...mono16k }), chunk('data', data)))).toEqual([32767, -32768, 1, -1, 0]);
  });

  test('32-bit integer keeps the top 16 bits', async () => {
    const data = Buffer.alloc(20);
    [0x7fffffff, -0x80000000, 0x10000, -0x10000, 0].forEach((value, i) => data.writeInt32LE(value, i * 4));
    expect(await samples(riff(fmt({ tag: 1, bits: 32, ...mono16k }), chunk('data', data)))).toEqual([32767, -32768, 1, -1, 0]);
  });

  test('32-bit float: ±1.0 is full scale, and louder samples are clipped rather than wrapped', async () => {
    const data = Buffer.alloc(24);
    [1, -1, 2, -2, 0.5, -0.5].forEach((value, i) => data.writeFloatLE(value, i * 4));
    expect(await samples(riff(fmt({ tag: 3, bits: 32, ...mono16k }), chunk('data', data)))).toEqual([32767, -32768, 32767, -32768, 16384, -16384]);
  });

  test('16-bit mono at 16 kHz keeps its extremes exactly', async () => {
    const data = Buffer.alloc(6);
    [32767, -32768, -1].forEach((value, i) => data.writeInt16LE(value, i * 2));
    expect(await samples(riff(fmt({ tag: 1, bits: 16, ...mono16k }), chunk('data', data)))).toEqual([32767, -32768, -1]);
  });

  test('channels are averaged into one', async () => {
    const stereo = Buffer.alloc(8);
    [1000, 3000, -32768, 32766].forEach((value, i) => stereo.writeInt16LE(value, i * 2));
    expect(await samples(riff(fmt({ tag: 1, bits: 16, channels: 2, rate: 16000 }), chunk('data', stereo)))).toEqual([2000, -1]);
    const three = Buffer.from([0, 0, 128, 255, 255, 255]);
    expect(await samples(riff(fmt({ tag: 1, bits: 8, channels: 3, rate: 16000 }), chunk('data', three)), 1)).toEqual([-21845, 32512]);
  });

  test('WAVE_FORMAT_EXTENSIBLE is read by the sub-format in its GUID: integer PCM and float', async () => {
    const pcm = Buffer.alloc(4);
    pcm.writeInt16LE(-32768, 0);
    pcm.writeInt16LE(1234, 2);
    expect(await samples(riff(fmt({ tag: 0xfffe, bits: 16, ...mono16k }, 1), chunk('data', pcm)))).toEqual([-32768, 1234]);
    const float = Buffer.alloc(8);
    float.writeFloatLE(-1, 0);
    float.writeFloatLE(0.25, 4);
    expect(await samples(riff(fmt({ tag: 0xfffe, bits: 32, channels: 1, rate: 48000 }, 3), chunk('data', Buffer.concat([float, float, float]))))).toEqual([
      -32768, 8192,
    ]);
  });
});

describe('WAV structure', () => {
  const layout = fmt({ tag: 1, bits: 16, ...mono16k });

  test('an odd-sized chunk before the audio is skipped with its pad byte', async () => {
    const wav = riff(chunk('LIST', Buffer.from('abc')), layout, chunk('junk', Buffer.from('x')), chunk('data', Buffer.from([7, 0, 8, 0])));
    expect(await samples(wav, 3)).toEqual([7, 8]);
  });

  test('the data size bounds the audio, even mid-frame; "unknown" sizes (0 and 0xFFFFFFFF) run to the end', async () => {
    const audio = Buffer.from([1, 0, 2, 0, 3, 0, 4, 0]);
    expect(await samples(riff(layout, chunk('data', audio.subarray(0, 5)), chunk('LIST', audio.subarray(5))), 1)).toEqual([1, 2]);
    for (const unknown of [0, 0xffffffff]) {
      const wav = Buffer.concat([riff(layout), chunk('data', Buffer.alloc(0), unknown), audio]);
      expect(await samples(wav, 3)).toEqual([1, 2, 3, 4]);
    }
  });

  test('reading stops at the end of the data chunk: what follows is never awaited', async () => {
    const wav = riff(fmt({ tag: 1, bits: 16, ...mono16k }), chunk('data', Buffer.from([3, 0, 4, 0])));
    async function* thenFails(): AsyncGenerator<Buffer> {
      yield wav;
      throw new Error('read past the audio');
    }
    const out: Buffer[] = [];
    for await (const pcm of toRealtimePcm(thenFails(), 'test.wav')) out.push(pcm);
    expect(Buffer.concat(out)).toEqual(Buffer.from([3, 0, 4, 0]));
  });

  test('a trailing partial frame is dropped', async () => {
    const wav = Buffer.concat([riff(fmt({ tag: 1, bits: 24, ...mono16k })), chunk('data', Buffer.alloc(0), 0), Buffer.from('00010000', 'hex')]);
    expect(await samples(wav, 2)).toEqual([1]);
  });

  test('up to 1 MB of header before the audio is read', async () => {
    const filler = chunk('junk', Buffer.alloc((1 << 20) - 12 - layout.length - 8));
    expect(await samples(riff(layout, filler, chunk('data', Buffer.from([5, 0]))), 65536)).toEqual([5]);
  });

  test('raw audio shorter than a RIFF header, or none at all, passes through', async () => {
    expect(await samples(Buffer.from([9, 0]), 1)).toEqual([9]);
    expect(await samples(Buffer.alloc(0))).toEqual([]);
  });
});

describe('WAV it refuses', () => {
  async function refusal(bytes: Buffer): Promise<unknown> {
    return convert(bytes, 64).then(
      () => undefined,
      (error: unknown) => error,
    );
  }

  async function expectRefused(bytes: Buffer, message: string): Promise<void> {
    const error = await refusal(bytes);
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as Error).message).toBe(message);
  }

  const unreadable = (what: string) =>
    `test.wav is WAV audio this command cannot read (${what}): use integer PCM or 32-bit float, e.g. ffmpeg -i in.wav -ar 16000 -ac 1 -c:a pcm_s16le out.wav`;

  test.each([
    ['an MP3 file', 'ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb'],
    ['an Ogg file', 'OggS\x00\x02\x00\x00\x00\x00\x00\x00'],
    ['a FLAC file', 'fLaC\x00\x00\x00\x22\x12\x00\x12\x00'],
    ['an MP4/M4A file', '\x00\x00\x00\x20ftypM4A \x00\x00'],
    ['a WebM file', '\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81'],
  ])('compressed audio: %s is named, with how to convert it', async (container, header) => {
    await expectRefused(Buffer.from(header, 'latin1'), `test.wav is ${container}, not WAV or raw PCM: ${CONVERT_ADVICE}`);
  });

  test('RIFF that is not WAVE', async () => {
    await expectRefused(Buffer.from('RIFF\x04\x00\x00\x00AVI ', 'latin1'), 'test.wav is a RIFF file but not WAVE audio.');
  });

  test('sample formats and layouts it cannot convert, each described', async () => {
    const data = chunk('data', Buffer.alloc(8));
    const cases: [Fmt, string][] = [
      [{ tag: 1, bits: 12, ...mono16k }, 'format tag 1, 12-bit, 1 channel(s)'],
      [{ tag: 1, bits: 0, ...mono16k }, 'format tag 1, 0-bit, 1 channel(s)'],
      [{ tag: 3, bits: 64, ...mono16k }, 'format tag 3, 64-bit, 1 channel(s)'],
      [{ tag: 3, bits: 16, ...mono16k }, 'format tag 3, 16-bit, 1 channel(s)'],
      [{ tag: 2, bits: 16, ...mono16k }, 'format tag 2, 16-bit, 1 channel(s)'],
      [{ tag: 2, bits: 32, ...mono16k }, 'format tag 2, 32-bit, 1 channel(s)'],
      [{ tag: 1, bits: 16, channels: 0, rate: 16000 }, 'format tag 1, 16-bit, 0 channel(s)'],
      [{ tag: 1, bits: 16, channels: 1, rate: 0 }, 'format tag 1, 16-bit, 1 channel(s)'],
    ];
    for (const [layout, what] of cases) await expectRefused(riff(fmt(layout), data), unreadable(what));
    await expectRefused(riff(fmt({ tag: 0xfffe, bits: 16, ...mono16k }, 0x92), data), unreadable('format tag 146, 16-bit, 1 channel(s)'));
  });

  test('an extensible "fmt " too short to hold its sub-format', async () => {
    const short = Buffer.concat([fmt({ tag: 0xfffe, bits: 16, ...mono16k }).subarray(8, 24), Buffer.from([0, 0, 1, 0, 0, 0, 0, 0, 1])]);
    await expectRefused(riff(chunk('fmt ', short), chunk('data', Buffer.alloc(2))), unreadable('format tag 65534, 16-bit, 1 channel(s)'));
  });

  test('a "fmt " chunk shorter than 16 bytes', async () => {
    const short = fmt({ tag: 1, bits: 16, ...mono16k }).subarray(8, 23);
    await expectRefused(riff(chunk('fmt ', short), chunk('data', Buffer.alloc(2))), 'test.wav has a truncated WAV "fmt " chunk.');
  });

  test('audio before any "fmt " chunk', async () => {
    await expectRefused(riff(chunk('data', Buffer.alloc(2)), fmt({ tag: 1, bits: 16, ...mono16k })), 'test.wav has no WAV "fmt " chunk before its audio.');
  });

  test('a file that ends between chunks, or inside one', async () => {
    const layout = fmt({ tag: 1, bits: 16, ...mono16k });
    await expectRefused(riff(layout), 'test.wav ends before its WAV "data" chunk.');
    await expectRefused(riff(layout, Buffer.from('data\x02\x00', 'latin1')), 'test.wav ends before its WAV "data" chunk.');
    await expectRefused(riff(layout, chunk('LIST', Buffer.alloc(0), 10), Buffer.alloc(9)), 'test.wav ends inside its WAV "LIST" chunk.');
    await expectRefused(riff(chunk('fmt ', Buffer.alloc(10), 16)), 'test.wav ends inside its WAV "fmt " chunk.');
  });

  test('more than 1 MB of header before the audio, refused from the chunk size without reading the chunk', async () => {
    const layout = fmt({ tag: 1, bits: 16, ...mono16k });
    const over = riff(layout, chunk('junk', Buffer.alloc(0), (1 << 20) - 12 - layout.length - 8 + 1));
    await expectRefused(over, 'test.wav has over 1 MB of WAV header before its audio.');
  });
});

describe('resampling', () => {
  const ints = (values: number[]) => {
    const buffer = Buffer.alloc(values.length * 2);
    values.forEach((value, i) => buffer.writeInt16LE(value, i * 2));
    return buffer;
  };
  const wav16 = (rate: number, values: number[]) => riff(fmt({ tag: 1, bits: 16, channels: 1, rate }), chunk('data', ints(values)));

  test('8 kHz is doubled by interpolating between neighbours, whatever the chunking, and ends on the last input sample', async () => {
    const expected = [0, 500, 1000, -500, -2000, -1000, 0];
    for (const size of [1, 2, 3, 64]) expect(await samples(wav16(8000, [0, 1000, -2000, 0]), size)).toEqual(expected);
  });

  test('48 kHz keeps every third sample, starting with the first', async () => {
    for (const size of [1, 5, 64]) expect(await samples(wav16(48000, [10, 11, 12, 20, 21, 22, 30]), size)).toEqual([10, 20, 30]);
  });

  test('44.1 kHz: a second of input gives a second of output', async () => {
    const out = await convert(wav16(44100, new Array(44100).fill(100)), 4096);
    expect(out.length).toBe(16000);
    expect(out.every((sample) => sample === 100)).toBe(true);
  });

  test('a lone frame at another rate gives one sample', async () => {
    expect(await samples(wav16(22050, [-4321]))).toEqual([-4321]);
  });
});
