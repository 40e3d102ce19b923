/**
 * What Together's realtime endpoints accept, per ../shared/reference/realtime-protocol.md: the query
 * of the upgrade and the shape of every client event. The fake server refuses only what Together
 * documents as an error (a bad `model`, an unsupported `input_audio_format`, a missing required
 * parameter, a malformed documented field); fields and parameters it does not know are accepted, as
 * the real service does.
 */
export type RealtimePath = '/audio/speech/websocket' | '/realtime';

export interface ClientMessage {
  type: string;
  [field: string]: unknown;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

type Check = (value: unknown) => boolean;
type Shape = Record<string, Check>;

const isString: Check = (value) => typeof value === 'string';
const nonBlank: Check = (value) => typeof value === 'string' && value.trim() !== '';
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const optional = (check: Check): Check => (value) => value === undefined || check(value);
const oneOf = (...values: unknown[]): Check => (value) => values.includes(value);
const positive: Check = (value) => typeof value === 'number' && Number.isFinite(value) && value > 0;
const positiveInteger: Check = (value) => Number.isInteger(value) && (value as number) > 0;

export const TTS_RESPONSE_FORMATS = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'];
export const TTS_ALIGNMENTS = ['none', 'word'];
export const TTS_SEGMENTS = ['sentence', 'immediate', 'never'];
const VAD_SETTINGS: Shape = {
  threshold: (v) => typeof v === 'number' && v >= 0 && v <= 1,
  min_silence_duration_ms: (v) => Number.isInteger(v) && (v as number) >= 0,
  min_speech_duration_ms: (v) => Number.isInteger(v) && (v as number) >= 0,
  max_speech_duration_s: positive,
  speech_pad_ms: (v) => Number.isInteger(v) && (v as number) >= 0,
};

/** Documented TTS session settings (query parameters at connect, `session` fields by update). */
const ttsSession: Shape = {
  model: nonBlank,
  voice: nonBlank,
  max_partial_length: positiveInteger,
  response_format: oneOf(...TTS_RESPONSE_FORMATS),
  speed: positive,
  sample_rate: positiveInteger,
  language: nonBlank,
  alignment: oneOf(...TTS_ALIGNMENTS),
  segment: oneOf(...TTS_SEGMENTS),
  extra_params: isObject,
};

function shapeOf(fields: Shape, value: unknown): boolean {
  return isObject(value) && Object.entries(fields).every(([key, check]) => optional(check)(value[key]));
}

function isTurnDetection(value: unknown): boolean {
  if (value === null) return true;
  if (!isObject(value) || value.type !== 'server_vad') return false;
  return shapeOf(VAD_SETTINGS, value);
}

const contextId = optional(nonBlank);

const clientEvents: Record<RealtimePath, Record<string, Shape>> = {
  '/audio/speech/websocket': {
    'input_text_buffer.append': { text: (v) => isString(v) && v !== '', context_id: contextId },
    'input_text_buffer.clear': { context_id: contextId },
    'input_text_buffer.commit': { context_id: contextId },
    'tts_session.updated': { session: (v) => shapeOf(ttsSession, v), context_id: contextId },
    'context.cancel': { context_id: nonBlank },
  },
  '/realtime': {
    'input_audio_buffer.append': { audio: (v) => typeof v === 'string' && v !== '' && BASE64.test(v) },
    'input_audio_buffer.commit': {},
    'input_audio_buffer.clear': {},
    'transcription_session.updated': {
      session: (v) =>
        isObject(v) && (v.turn_detection === undefined || isTurnDetection(v.turn_detection)) && optional(isString)(v.language) && optional(isString)(v.prompt),
    },
  },
};

/** Throws the reason a real server would refuse this client message. */
export function checkClientEvent(path: RealtimePath, message: unknown): void {
  if (!isObject(message) || typeof message.type !== 'string') throw new Error(`client message without a type: ${JSON.stringify(message)}`);
  const shape = clientEvents[path][message.type];
  if (!shape) throw new Error(`unknown client event ${JSON.stringify(message.type)}`);
  for (const [key, valid] of Object.entries(shape)) {
    if (!valid(message[key])) throw new Error(`${message.type} has an invalid ${key}: ${JSON.stringify(message[key])?.slice(0, 80)}`);
  }
}

const numberParam = (check: Check) => (value: string) => value.trim() !== '' && check(Number(value));

const queryRules: Record<RealtimePath, { required: string[]; checks: Record<string, (value: string) => boolean> }> = {
  '/audio/speech/websocket': {
    required: [],
    checks: {
      model: (v) => v.trim() !== '',
      voice: (v) => v.trim() !== '',
      max_partial_length: numberParam(positiveInteger),
      response_format: (v) => TTS_RESPONSE_FORMATS.includes(v),
      speed: numberParam(positive),
      sample_rate: numberParam(positiveInteger),
      language: (v) => v.trim() !== '',
      alignment: (v) => TTS_ALIGNMENTS.includes(v),
      segment: (v) => TTS_SEGMENTS.includes(v),
      extra_params: (v) => {
        try {
          return isObject(JSON.parse(v));
        } catch {
          return false;
        }
      },
    },
  },
  '/realtime': {
    required: ['model', 'input_audio_format'],
    checks: {
      model: (v) => v.trim() !== '',
      input_audio_format: (v) => v === 'pcm_s16le_16000',
      turn_detection: (v) => v === 'server_vad' || v === 'none',
      intent: (v) => v === 'transcription',
      ...Object.fromEntries(Object.entries(VAD_SETTINGS).map(([name, check]) => [name, numberParam(check)])),
    },
  },
};

/** The reason a real server would answer 400 to this upgrade's query, or undefined. */
export function checkQuery(path: RealtimePath, params: URLSearchParams): string | undefined {
  const rules = queryRules[path];
  if (!rules) return undefined;
  for (const name of rules.required) if (!params.has(name)) return `missing query parameter ${name}`;
  for (const [name, value] of params) {
    const valid = rules.checks[name];
    if (valid && !valid(value)) return `invalid ${name}: ${value}`;
  }
  return undefined;
}
