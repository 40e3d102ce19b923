import type { AudioSpeechRequest, AudioSpeechRequestResponseEncodingEnum } from '../generated/models';
import { showValue } from './validation';

export type PcmEncoding = AudioSpeechRequestResponseEncodingEnum;

/** What raw PCM bytes mean: how each sample is encoded, how many per second, how many channels. */
export interface PcmFormat {
  encoding: PcmEncoding;
  sampleRate: number;
  channels: number;
}

interface EncodingLayout {
  /** WAVE_FORMAT_* tag of the fmt chunk. */
  formatTag: number;
  bitsPerSample: number;
}

const layouts: Record<PcmEncoding, EncodingLayout> = {
  pcm_s16le: { formatTag: 0x0001, bitsPerSample: 16 },
  pcm_f32le: { formatTag: 0x0003, bitsPerSample: 32 },
  pcm_alaw: { formatTag: 0x0006, bitsPerSample: 8 },
  pcm_mulaw: { formatTag: 0x0007, bitsPerSample: 8 },
};

/** RIFF and data sizes written while a stream's length is still unknown (readers treat it as "to the end"). */
const UNKNOWN_SIZE = 0xffffffff;

/** Orpheus and Kokoro ignore response_encoding and sample_rate; Minimax ignores only the encoding. */
const fixedFormats: Array<{ modelPrefix: string; encoding: PcmEncoding; sampleRate?: number }> = [
  { modelPrefix: 'canopylabs/orpheus', encoding: 'pcm_s16le', sampleRate: 24000 },
  { modelPrefix: 'hexgrad/kokoro', encoding: 'pcm_s16le', sampleRate: 24000 },
  { modelPrefix: 'minimax/', encoding: 'pcm_s16le' },
];

export const SPEECH_DEFAULT_ENCODING: PcmEncoding = 'pcm_f32le';
export const SPEECH_DEFAULT_SAMPLE_RATE = 44100;

/**
 * The format of the raw PCM that /audio/speech returns for a request, as the spec describes it:
 * Cartesia (and unknown models) honour response_encoding (default pcm_f32le) and sample_rate
 * (default 44100); Orpheus and Kokoro always send pcm_s16le at 24000 Hz; all are mono.
 * `override` wins over everything, for models the rules do not know.
 */
export function pcmFormatForSpeech(
  request: Pick<AudioSpeechRequest, 'model' | 'response_encoding' | 'sample_rate'>,
  override: Partial<PcmFormat> = {},
): PcmFormat {
  const model = String(request.model).toLowerCase();
  const fixed = fixedFormats.find((rule) => model.startsWith(rule.modelPrefix));
  return validatePcmFormat({
    encoding: override.encoding ?? fixed?.encoding ?? request.response_encoding ?? SPEECH_DEFAULT_ENCODING,
    sampleRate: override.sampleRate ?? fixed?.sampleRate ?? request.sample_rate ?? SPEECH_DEFAULT_SAMPLE_RATE,
    channels: override.channels ?? 1,
  });
}

export function validatePcmFormat(format: PcmFormat): PcmFormat {
  if (!Object.hasOwn(layouts, format.encoding)) {
    throw new TypeError(`Unknown PCM encoding ${JSON.stringify(format.encoding)}: expected one of ${Object.keys(layouts).join(', ')}.`);
  }
  for (const field of ['sampleRate', 'channels'] as const) {
    const value = format[field];
    if (!Number.isInteger(value) || value <= 0 || value > 0xffff_ffff) {
      throw new TypeError(`Invalid PCM ${field} ${showValue(value)}: expected a positive integer.`);
    }
  }
  if (format.channels > 0xffff) throw new TypeError(`Invalid PCM channels ${format.channels}: at most 65535.`);
  return format;
}

/** Bytes per sample frame (one sample for every channel). */
export function blockAlign(format: PcmFormat): number {
  return (format.channels * layouts[format.encoding].bitsPerSample) / 8;
}

/**
 * A WAV header for `dataLength` bytes of PCM in `format`; omit the length for a stream whose end is
 * not known yet. Non-PCM encodings (float, A-law, µ-law) get the extended fmt chunk and the fact
 * chunk that the WAVE format requires for them.
 */
export function wavHeader(format: PcmFormat, dataLength?: number): Uint8Array {
  const { formatTag, bitsPerSample } = layouts[validatePcmFormat(format).encoding];
  const extended = formatTag !== 0x0001;
  const fmtSize = extended ? 18 : 16;
  const headerSize = 12 + 8 + fmtSize + (extended ? 12 : 0) + 8;
  const align = blockAlign(format);
  // The fmt chunk holds the frame size in 16 bits and the byte rate in 32: DataView would wrap larger values silently.
  if (align > 0xffff) {
    throw new RangeError(`Too many channels for a WAV file: ${format.channels} of ${format.encoding} make a ${align}-byte sample frame; at most 65535 bytes.`);
  }
  if (format.sampleRate * align > 0xffff_ffff) {
    throw new RangeError(
      `Sample rate too high for a WAV file: ${format.sampleRate} Hz of ${align}-byte frames exceeds the byte rate of 4 GiB per second it can hold.`,
    );
  }
  const known = dataLength !== undefined;
  if (known && (!Number.isInteger(dataLength) || dataLength < 0)) throw new TypeError(`Invalid WAV data length ${dataLength}.`);
  const padded = known ? dataLength + (dataLength % 2) : 0;
  if (known && headerSize - 8 + padded > UNKNOWN_SIZE - 1) throw new RangeError('PCM data too large for a WAV file (4 GiB limit).');

  const header = new Uint8Array(headerSize);
  const view = new DataView(header.buffer);
  let offset = 0;
  const ascii = (text: string) => {
    for (let i = 0; i < 4; i++) header[offset + i] = text.charCodeAt(i);
    offset += 4;
  };
  const u32 = (value: number) => {
    view.setUint32(offset, value, true);
    offset += 4;
  };
  const u16 = (value: number) => {
    view.setUint16(offset, value, true);
    offset += 2;
  };

  ascii('RIFF');
  u32(known ? headerSize - 8 + padded : UNKNOWN_SIZE);
  ascii('WAVE');
  ascii('fmt ');
  u32(fmtSize);
  u16(formatTag);
  u16(format.channels);
  u32(format.sampleRate);
  u32(format.sampleRate * align);
  u16(align);
  u16(bitsPerSample);
  if (extended) {
    u16(0);
    ascii('fact');
    u32(4);
    u32(known ? Math.floor(dataLength / align) : UNKNOWN_SIZE);
  }
  ascii('data');
  u32(known ? dataLength : UNKNOWN_SIZE);
  return header;
}

/** A complete WAV file holding `pcm`. */
export function pcmToWav(pcm: Uint8Array, format: PcmFormat): Uint8Array {
  const header = wavHeader(format, pcm.length);
  // A RIFF chunk of odd length is followed by one pad byte (already zero).
  const wav = new Uint8Array(header.length + pcm.length + (pcm.length % 2));
  wav.set(header);
  wav.set(pcm, header.length);
  return wav;
}
