import type { PcmFormat } from '../wav';
import type { RealtimeTtsQuery, RealtimeTtsSessionUpdate, TtsAlignment, TtsResponseFormat, TtsSegment } from './protocol';
import type { QueryValue } from './connection';
import { describe, showValue } from './validation';

export const TTS_RESPONSE_FORMATS: readonly TtsResponseFormat[] = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'];
export const TTS_ALIGNMENTS: readonly TtsAlignment[] = ['none', 'word'];
export const TTS_SEGMENTS: readonly TtsSegment[] = ['sentence', 'immediate', 'never'];

/** Audio of a TTS session unless response_format / sample_rate say otherwise: PCM s16le, 24 kHz, mono. */
export const REALTIME_TTS_PCM_FORMAT: PcmFormat = { encoding: 'pcm_s16le', sampleRate: 24000, channels: 1 };

/** What the audio deltas of a turn hold: raw PCM (then `pcm` says how to read it) or an encoded stream. */
export interface TtsAudioFormat {
  responseFormat: TtsResponseFormat;
  /** Set when responseFormat is `pcm`: the layout of the samples, for decoding or a WAV header. */
  pcm: PcmFormat | undefined;
}

/** Session settings in the client's spelling; each maps to the documented query parameter / session field. */
export interface TtsSettings {
  /** Voice (server default `tara`). */
  voice?: string;
  /** Characters of unterminated text after which the server starts synthesis anyway (server default 250). */
  maxPartialLength?: number;
  /** Encoding of the audio deltas (default `pcm`: raw s16le). */
  responseFormat?: TtsResponseFormat;
  /** Speaking rate (default 1.0). */
  speed?: number;
  /** Samples per second of the audio (default 24000). */
  sampleRate?: number;
  /** Language of the text, e.g. `en`. */
  language?: string;
  /** `word` adds `conversation.item.word_timestamps` events (typed word timings on each turn). */
  alignment?: TtsAlignment;
  /** Where the server splits text into items: `sentence` (default), `immediate` or `never`. */
  segment?: TtsSegment;
  /** Model-specific settings, e.g. `{ pronunciation_dict: {...} }`. */
  extraParams?: Record<string, unknown>;
}

const wireNames: Record<keyof TtsSettings, keyof RealtimeTtsSessionUpdate> = {
  voice: 'voice',
  maxPartialLength: 'max_partial_length',
  responseFormat: 'response_format',
  speed: 'speed',
  sampleRate: 'sample_rate',
  language: 'language',
  alignment: 'alignment',
  segment: 'segment',
  extraParams: 'extra_params',
};

const nonBlank = (v: unknown) => typeof v === 'string' && v.trim() !== '';
const positiveNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;
const positiveInteger = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
const oneOf = (values: readonly string[]) => (v: unknown) => typeof v === 'string' && values.includes(v);

const rules: Record<keyof RealtimeTtsSessionUpdate, { check: (value: unknown) => boolean; expected: string }> = {
  voice: { check: nonBlank, expected: 'a non-empty string' },
  max_partial_length: { check: positiveInteger, expected: 'a positive integer' },
  response_format: { check: oneOf(TTS_RESPONSE_FORMATS), expected: `one of ${TTS_RESPONSE_FORMATS.join(', ')}` },
  speed: { check: positiveNumber, expected: 'a positive number' },
  sample_rate: { check: positiveInteger, expected: 'a positive integer (samples per second)' },
  language: { check: nonBlank, expected: 'a non-empty string' },
  alignment: { check: oneOf(TTS_ALIGNMENTS), expected: `one of ${TTS_ALIGNMENTS.join(', ')}` },
  segment: { check: oneOf(TTS_SEGMENTS), expected: `one of ${TTS_SEGMENTS.join(', ')}` },
  extra_params: { check: (v) => typeof v === 'object' && v !== null && !Array.isArray(v), expected: 'a plain object' },
};

/**
 * Checks the documented fields of a session update; fields it does not know are passed through,
 * since the service may accept settings newer than this client.
 */
export function validateTtsSession(session: RealtimeTtsSessionUpdate, spelling: (wire: string) => string = (wire) => wire): RealtimeTtsSessionUpdate {
  if (typeof session !== 'object' || session === null || Array.isArray(session)) {
    throw new TypeError(`TTS session settings must be an object such as { voice: 'tara' }, got ${describe(session)}.`);
  }
  for (const [name, value] of Object.entries(session)) {
    const rule = rules[name as keyof RealtimeTtsSessionUpdate];
    if (rule && value !== undefined && !rule.check(value)) {
      throw new TypeError(`${spelling(name)} must be ${rule.expected}, got ${showValue(value)}.`);
    }
  }
  return session;
}

/** Client-spelled settings as the wire's session fields, checked. */
export function wireSettings(settings: TtsSettings): RealtimeTtsSessionUpdate {
  const session: Record<string, unknown> = {};
  const camel: Record<string, string> = {};
  for (const [name, wire] of Object.entries(wireNames)) {
    const value = settings[name as keyof TtsSettings];
    camel[wire] = name;
    if (value !== undefined) session[wire] = value;
  }
  return validateTtsSession(session as RealtimeTtsSessionUpdate, (wire) => camel[wire] ?? wire);
}

/** The upgrade query for `model` and the session settings (`extra_params` as JSON). */
export function ttsQuery(model: string | undefined, session: RealtimeTtsSessionUpdate): Record<string, QueryValue> {
  const { extra_params: extraParams, ...plain } = session;
  const query: RealtimeTtsQuery = { model, ...plain, extra_params: extraParams === undefined ? undefined : JSON.stringify(extraParams) };
  return query as Record<string, QueryValue>;
}

/** The audio format that follows from the session's response_format and sample_rate. */
export function audioFormatOf(session: RealtimeTtsSessionUpdate): TtsAudioFormat {
  const responseFormat = session.response_format ?? 'pcm';
  const pcm = responseFormat === 'pcm' ? { ...REALTIME_TTS_PCM_FORMAT, sampleRate: session.sample_rate ?? REALTIME_TTS_PCM_FORMAT.sampleRate } : undefined;
  return { responseFormat, pcm };
}
