import { containerOf } from '../realtime/pcm-input';
import { BadInputError } from './exit-codes';

/** What the realtime transcription endpoint takes: PCM s16le, 16 kHz, mono. */
export const TARGET_RATE = 16000;
const MAX_HEADER_BYTES = 1 << 20;

interface WavLayout {
  formatTag: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
}

/**
 * Audio for the realtime endpoint from a WAV file or raw PCM: a WAV (integer PCM of 8 to 32 bits,
 * or 32-bit float; any rate, any channels) is mixed down to mono and resampled to s16le 16 kHz as
 * it streams; anything without a RIFF header passes through as raw s16le 16 kHz mono, unless its
 * header names another audio file format. `name` appears in errors.
 */
export async function* toRealtimePcm(source: AsyncIterable<Uint8Array>, name: string): AsyncGenerator<Buffer> {
  let pending = Buffer.alloc(0);
  const iterator = source[Symbol.asyncIterator]();
  const pull = async (): Promise<boolean> => {
    const next = await iterator.next();
    if (next.done) return false;
    pending = Buffer.concat([pending, next.value]);
    return true;
  };
  while (pending.length < 12 && (await pull()));
  if (pending.toString('latin1', 0, 4) !== 'RIFF') {
    const container = containerOf(pending);
    if (container) {
      throw new BadInputError(
        `${name} is ${container}, not WAV or raw PCM: convert it first, e.g. ffmpeg -i IN -ar 16000 -ac 1 OUT.wav (transcribe takes MP3, M4A, WebM and FLAC files as they are).`,
      );
    }
    yield pending;
    for await (const chunk of { [Symbol.asyncIterator]: () => iterator }) yield Buffer.from(chunk);
    return;
  }
  if (pending.toString('latin1', 8, 12) !== 'WAVE') throw new BadInputError(`${name} is a RIFF file but not WAVE audio.`);
  let offset = 12;
  let layout: WavLayout | undefined;
  let dataLeft = Infinity;
  for (;;) {
    while (pending.length < offset + 8) {
      if (!(await pull())) throw new BadInputError(`${name} ends before its WAV "data" chunk.`);
    }
    const id = pending.toString('latin1', offset, offset + 4);
    const size = pending.readUInt32LE(offset + 4);
    if (id === 'data') {
      pending = pending.subarray(offset + 8);
      // A streamed WAV says "unknown" (0 or 0xFFFFFFFF) and runs to the end; otherwise chunks after the audio are not audio.
      if (size !== 0 && size !== 0xffffffff) dataLeft = size;
      break;
    }
    if (offset + 8 + size > MAX_HEADER_BYTES) throw new BadInputError(`${name} has over 1 MB of WAV header before its audio.`);
    while (pending.length < offset + 8 + size) {
      if (!(await pull())) throw new BadInputError(`${name} ends inside its WAV "${id}" chunk.`);
    }
    if (id === 'fmt ') layout = readFmt(pending.subarray(offset + 8, offset + 8 + size), name);
    offset += 8 + size + (size % 2);
  }
  if (!layout) throw new BadInputError(`${name} has no WAV "fmt " chunk before its audio.`);
  const convert = converter(layout);
  const frameBytes = (layout.channels * layout.bitsPerSample) / 8;
  for (;;) {
    if (pending.length > dataLeft) pending = pending.subarray(0, dataLeft);
    const whole = pending.length - (pending.length % frameBytes);
    if (whole > 0) yield convert(pending.subarray(0, whole));
    pending = pending.subarray(whole);
    dataLeft -= whole;
    if (dataLeft <= 0 || !(await pull())) break;
  }
}

function readFmt(fmt: Buffer, name: string): WavLayout {
  if (fmt.length < 16) throw new BadInputError(`${name} has a truncated WAV "fmt " chunk.`);
  let formatTag = fmt.readUInt16LE(0);
  // WAVE_FORMAT_EXTENSIBLE: the real tag is the first two bytes of the sub-format GUID.
  if (formatTag === 0xfffe && fmt.length >= 26) formatTag = fmt.readUInt16LE(24);
  const layout = { formatTag, channels: fmt.readUInt16LE(2), sampleRate: fmt.readUInt32LE(4), bitsPerSample: fmt.readUInt16LE(14) };
  const integer = formatTag === 1 && [8, 16, 24, 32].includes(layout.bitsPerSample);
  const float = formatTag === 3 && layout.bitsPerSample === 32;
  if (!(integer || float) || layout.channels < 1 || layout.sampleRate < 1) {
    throw new BadInputError(
      `${name} is WAV audio this command cannot read (format tag ${formatTag}, ${layout.bitsPerSample}-bit, ${layout.channels} channel(s)): ` +
        'use integer PCM or 32-bit float, e.g. ffmpeg -i in.wav -ar 16000 -ac 1 -c:a pcm_s16le out.wav',
    );
  }
  return layout;
}

/** Frames in `layout` to s16le 16 kHz mono, with the resampler's position carried across chunks. */
function converter(layout: WavLayout): (frames: Buffer) => Buffer {
  const bytes = layout.bitsPerSample / 8;
  const frameBytes = bytes * layout.channels;
  const read = sampleReader(layout);
  if (layout.formatTag === 1 && layout.bitsPerSample === 16 && layout.channels === 1 && layout.sampleRate === TARGET_RATE)
    return (frames) => Buffer.from(frames);
  const step = layout.sampleRate / TARGET_RATE;
  let previous: number | undefined;
  let position = 0; // of the next output sample, in input frames, where index 0 is `previous` (or the first frame)
  return (frames) => {
    const count = frames.length / frameBytes;
    const mono = new Float64Array(count + (previous === undefined ? 0 : 1));
    let index = 0;
    if (previous !== undefined) mono[index++] = previous;
    for (let frame = 0; frame < count; frame += 1) {
      let sum = 0;
      for (let channel = 0; channel < layout.channels; channel += 1) sum += read(frames, frame * frameBytes + channel * bytes);
      mono[index++] = sum / layout.channels;
    }
    const out: number[] = [];
    while (position <= mono.length - 1) {
      const left = Math.floor(position);
      const fraction = position - left;
      const right = left + 1 < mono.length ? mono[left + 1] : mono[left];
      if (left + 1 >= mono.length && fraction > 0) break;
      out.push(mono[left] + (right - mono[left]) * fraction);
      position += step;
    }
    position -= mono.length - 1;
    previous = mono[mono.length - 1];
    const pcm = Buffer.alloc(out.length * 2);
    out.forEach((sample, i) => pcm.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(sample * 32768))), i * 2));
    return pcm;
  };
}

/** Reads one sample as a number in [-1, 1). */
function sampleReader({ formatTag, bitsPerSample }: WavLayout): (buffer: Buffer, offset: number) => number {
  if (formatTag === 3) return (buffer, offset) => buffer.readFloatLE(offset);
  switch (bitsPerSample) {
    case 8:
      return (buffer, offset) => (buffer[offset] - 128) / 128;
    case 16:
      return (buffer, offset) => buffer.readInt16LE(offset) / 32768;
    case 24:
      return (buffer, offset) => buffer.readIntLE(offset, 3) / 8388608;
    default:
      return (buffer, offset) => buffer.readInt32LE(offset) / 2147483648;
  }
}
