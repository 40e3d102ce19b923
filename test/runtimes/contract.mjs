// The runtime contract: the same calls, against the same local server, in every runtime of the
// matrix (Node 20/22/24, Bun, Deno, Chromium, workerd). Web standards only.
import {
  API_KEY,
  BAD_VOICE,
  PCM_CHUNKS,
  SLOW_EVENTS,
  SLOW_GAP_MS,
  SLOW_INPUT,
  SPEECH_BYTES,
  STALL_INPUT,
  UPLOAD_BYTES,
  VOICES,
  sha256Hex,
} from './fixtures.mjs';

const SPEECH = { model: 'cartesia/sonic', input: 'hello', voice: 'helpful woman' };

function equalBytes(actual, expected) {
  if (!(actual instanceof Uint8Array)) return `not a Uint8Array but ${Object.prototype.toString.call(actual)}`;
  if (actual.length !== expected.length) return `${actual.length} bytes instead of ${expected.length}`;
  for (let i = 0; i < expected.length; i++) if (actual[i] !== expected[i]) return `byte ${i} differs`;
  return undefined;
}

function concat(chunks) {
  const out = new Uint8Array(chunks.reduce((size, chunk) => size + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** A web ReadableStream of `bytes` in uneven chunks, produced on demand. */
function streamOf(bytes) {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      const size = 1000 + (offset % 7919);
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

async function expectUpload(client, file, expectedName) {
  const bytes = UPLOAD_BYTES();
  const result = await client.transcriptions.create({ file, model: 'openai/whisper-large-v3' });
  const seen = JSON.parse(result.text);
  const expected = {
    size: bytes.length,
    sha256: await sha256Hex(bytes),
    filename: expectedName,
    model: 'openai/whisper-large-v3',
  };
  for (const key of Object.keys(expected)) {
    if (seen[key] !== expected[key]) throw new Error(`server saw ${key} ${JSON.stringify(seen[key])}, expected ${JSON.stringify(expected[key])}`);
  }
}

const cases = {
  async 'speech bytes exact'(client) {
    const problem = equalBytes(await client.speech.create(SPEECH), SPEECH_BYTES());
    if (problem) throw new Error(problem);
  },
  async 'SSE chunks decoded'(client) {
    const chunks = [];
    for await (const chunk of client.speech.stream(SPEECH)) chunks.push(chunk);
    const expected = PCM_CHUNKS();
    if (chunks.length !== expected.length) throw new Error(`${chunks.length} chunks instead of ${expected.length}`);
    const problem = equalBytes(concat(chunks), concat(expected));
    if (problem) throw new Error(problem);
  },
  async 'a stream longer than the timeout, never silent that long, completes'(client) {
    let chunks = 0;
    const timeout = (SLOW_EVENTS * SLOW_GAP_MS) / 2;
    for await (const _chunk of client.speech.stream({ ...SPEECH, input: SLOW_INPUT }, { timeout })) chunks++;
    if (chunks !== SLOW_EVENTS) throw new Error(`${chunks} chunks instead of ${SLOW_EVENTS}`);
  },
  async 'upload from a Blob arrives byte-exact'(client) {
    await expectUpload(client, new File([UPLOAD_BYTES()], 'clip.wav', { type: 'audio/wav' }), 'clip.wav');
  },
  async 'upload from a stream arrives byte-exact'(client) {
    await expectUpload(client, streamOf(UPLOAD_BYTES()), 'audio');
  },
  async 'voices listed'(client) {
    const voices = await client.voices.list();
    if (JSON.stringify(voices) !== JSON.stringify(VOICES)) throw new Error(`got ${JSON.stringify(voices)}`);
  },
  async '400 gives a typed error'(client, api) {
    const error = await client.speech.create({ ...SPEECH, voice: BAD_VOICE }).then(
      () => undefined,
      (caught) => caught,
    );
    if (!(error instanceof api.BadRequestError)) throw new Error(`expected BadRequestError, got ${error?.name}: ${error?.message}`);
    if (error.status !== 400 || !/unknown voice/.test(error.message) || error.requestId !== 'req-400') {
      throw new Error(`unexpected error fields: ${error.status} ${error.message} ${error.requestId}`);
    }
    if (error.message.includes(API_KEY) || JSON.stringify(error).includes(API_KEY)) throw new Error('the API key leaked into the error');
  },
  async 'realtime TTS turn byte-exact'(client, api) {
    // ws where Node's http exists (Node, Bun, Deno); elsewhere the platform WebSocket, with the key in the query.
    const tts = await api.RealtimeTTS.connect({ apiKey: API_KEY, baseURL: client.baseURL, dangerouslyAllowBrowser: true, settleMs: 50 });
    try {
      const chunks = [];
      for await (const chunk of tts.speak('Hello there.')) chunks.push(chunk);
      const problem = equalBytes(concat(chunks), concat(PCM_CHUNKS()));
      if (problem) throw new Error(problem);
    } finally {
      await tts.close();
    }
  },
  async 'abort mid-stream gives APIUserAbortError'(client, api) {
    const controller = new AbortController();
    let chunks = 0;
    const error = await (async () => {
      for await (const _chunk of client.speech.stream({ ...SPEECH, input: STALL_INPUT }, { signal: controller.signal })) {
        chunks++;
        controller.abort(new Error('user gave up'));
      }
    })().then(
      () => undefined,
      (caught) => caught,
    );
    if (chunks !== 1) throw new Error(`${chunks} chunks before the abort instead of 1`);
    if (!(error instanceof api.APIUserAbortError)) throw new Error(`expected APIUserAbortError, got ${error?.name}: ${error?.message}`);
  },
};

/**
 * Runs every case with a client of `api` (the package's module) against `baseURL`; never throws.
 * Resolves `{ runtime, results: [{ name, ok, error? }] }`.
 */
export async function runContract(api, baseURL, runtime, clientOptions = {}) {
  const results = [];
  let client;
  try {
    client = new api.TogetherAudio({
      apiKey: API_KEY,
      baseURL,
      maxRetries: 0,
      timeout: 20_000,
      ...clientOptions,
    });
  } catch (error) {
    return {
      runtime,
      results: [{ name: 'construct the client', ok: false, error: `${error?.name}: ${error?.message}` }],
    };
  }
  for (const [name, run] of Object.entries(cases)) {
    try {
      await run(client, api);
      results.push({ name, ok: true });
    } catch (error) {
      results.push({ name, ok: false, error: `${error?.name}: ${error?.message}` });
    }
  }
  return { runtime, results };
}

export const CASE_NAMES = Object.keys(cases);
