/**
 * What the realtime endpoints accept, per openapi.yaml: the query parameters of the upgrade and the
 * exact shape of every client event. Used by the fake server to reject what a real one would.
 */
export type RealtimePath = '/audio/speech/websocket' | '/realtime';

export interface ClientMessage {
  type: string;
  [field: string]: unknown;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const VAD_FIELDS = ['type', 'threshold', 'min_silence_duration_ms', 'min_speech_duration_ms', 'max_speech_duration_s', 'speech_pad_ms'];

type Shape = Record<string, (value: unknown) => boolean>;

const isString = (value: unknown) => typeof value === 'string';
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const clientEvents: Record<RealtimePath, Record<string, Shape>> = {
  '/audio/speech/websocket': {
    'input_text_buffer.append': { text: (v) => isString(v) && v !== '' },
    'input_text_buffer.clear': {},
    'input_text_buffer.commit': {},
    'tts_session.updated': { session: (v) => isObject(v) && Object.keys(v).every((k) => k === 'voice') && (v.voice === undefined || isString(v.voice)) },
  },
  '/realtime': {
    'input_audio_buffer.append': { audio: (v) => isString(v) && v !== '' && BASE64.test(v) },
    'input_audio_buffer.commit': {},
    'transcription_session.updated': {
      session: (v) => isObject(v) && Object.keys(v).every((k) => k === 'turn_detection') && isTurnDetection(v.turn_detection),
    },
  },
};

function isTurnDetection(value: unknown): boolean {
  if (value === null) return true;
  if (!isObject(value) || value.type !== 'server_vad') return false;
  return Object.entries(value).every(([key, setting]) => VAD_FIELDS.includes(key) && (key === 'type' || typeof setting === 'number'));
}

export function checkClientEvent(path: RealtimePath, message: unknown): void {
  if (!isObject(message) || typeof message.type !== 'string') throw new Error(`client message without a type: ${JSON.stringify(message)}`);
  const shape = clientEvents[path][message.type];
  if (!shape) throw new Error(`unknown client event ${JSON.stringify(message.type)}`);
  for (const key of Object.keys(message)) {
    if (key !== 'type' && !(key in shape)) throw new Error(`${message.type} has an unexpected field ${JSON.stringify(key)}`);
  }
  for (const [key, valid] of Object.entries(shape)) {
    if (!valid(message[key])) throw new Error(`${message.type} has an invalid ${key}: ${JSON.stringify(message[key])?.slice(0, 80)}`);
  }
}

const queryRules: Record<RealtimePath, { required: string[]; allowed: Record<string, (value: string) => boolean> }> = {
  '/audio/speech/websocket': {
    required: [],
    allowed: {
      model: (v) => ['hexgrad/Kokoro-82M', 'cartesia/sonic-english'].includes(v),
      voice: (v) => v.trim() !== '',
      max_partial_length: (v) => /^[1-9][0-9]*$/.test(v),
    },
  },
  '/realtime': {
    required: ['model', 'input_audio_format'],
    allowed: {
      model: (v) => v.trim() !== '',
      input_audio_format: (v) => v === 'pcm_s16le_16000',
    },
  },
};

/** The reason a real server would answer 400 to this upgrade's query, or undefined. */
export function checkQuery(path: RealtimePath, params: URLSearchParams): string | undefined {
  const rules = queryRules[path];
  if (!rules) return undefined;
  for (const name of rules.required) if (!params.has(name)) return `missing query parameter ${name}`;
  for (const [name, value] of params) {
    const valid = rules.allowed[name];
    if (!valid) return `unknown query parameter ${name}`;
    if (!valid(value)) return `invalid ${name}: ${value}`;
  }
  return undefined;
}
