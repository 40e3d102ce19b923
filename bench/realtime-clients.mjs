// The two realtime clients the bench compares: a raw `ws` client doing the least the protocol needs,
// and this package's RealtimeTTS / RealtimeTranscription from the build.
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import WebSocket from 'ws';
import { msSince } from './stats.mjs';

const API_KEY = 'bench-realtime-key';
const STT_CHUNK_BYTES = 32000;

function wsURL(baseURL, path) {
  return `${baseURL.replace(/^http/, 'ws')}${path}`;
}

function rawConnect(url) {
  const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${API_KEY}` }, perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once('message', () => resolve(ws)); // session.created
    ws.once('error', reject);
  });
}

const raw = {
  async ttsSession(baseURL) {
    const ws = await rawConnect(wsURL(baseURL, '/audio/speech/websocket?model=hexgrad/Kokoro-82M'));
    return {
      turn(deltas) {
        return new Promise((resolve) => {
          const start = process.hrtime.bigint();
          let firstMs;
          let received = 0;
          const onMessage = (data) => {
            const event = JSON.parse(data.toString());
            if (event.type !== 'conversation.item.audio_output.delta') return;
            if (Buffer.from(event.delta, 'base64').length === 0) throw new Error('empty delta');
            firstMs ??= msSince(start);
            if (++received === deltas) {
              ws.off('message', onMessage);
              resolve({ firstMs, lastMs: msSince(start) });
            }
          };
          ws.on('message', onMessage);
          ws.send(JSON.stringify({ type: 'input_text_buffer.append', text: 'Hello there.' }));
          ws.send(JSON.stringify({ type: 'input_text_buffer.commit' }));
        });
      },
      /** Together's example rule for the end of a turn: no message for 0.3 s. Returns ms from the last delta to the end. */
      endOfTurn(deltas) {
        return new Promise((resolve) => {
          let received = 0;
          let lastAt;
          let quiet;
          const onMessage = (data) => {
            const event = JSON.parse(data.toString());
            if (event.type === 'conversation.item.audio_output.delta' && ++received === deltas) lastAt = process.hrtime.bigint();
            clearTimeout(quiet);
            quiet = setTimeout(() => {
              ws.off('message', onMessage);
              resolve(msSince(lastAt));
            }, 300);
          };
          ws.on('message', onMessage);
          ws.send(JSON.stringify({ type: 'input_text_buffer.append', text: 'Hello there.' }));
          ws.send(JSON.stringify({ type: 'input_text_buffer.commit' }));
        });
      },
      close: () => ws.close(),
    };
  },
  async sttAppend(baseURL, audio) {
    const ws = await rawConnect(wsURL(baseURL, '/realtime?model=openai/whisper-large-v3&input_audio_format=pcm_s16le_16000'));
    const start = process.hrtime.bigint();
    const done = new Promise((resolve) => ws.on('message', (data) => resolve(JSON.parse(data.toString()).transcript)));
    for (let offset = 0; offset < audio.length; offset += STT_CHUNK_BYTES) {
      const event = JSON.stringify({ type: 'input_audio_buffer.append', audio: audio.subarray(offset, offset + STT_CHUNK_BYTES).toString('base64') });
      // The same backpressure the package applies: wait for the write once over 1 MiB unsent.
      await new Promise((resolve, reject) => {
        let waiting = false;
        ws.send(event, (error) => waiting && (error ? reject(error) : resolve()));
        if (ws.bufferedAmount <= 1024 * 1024) resolve();
        else waiting = true;
      });
    }
    ws.send(JSON.stringify({ type: 'input_audio_buffer.commit' }));
    const transcript = await done;
    const ms = msSince(start);
    ws.close();
    return { ms, bytes: Number(transcript) };
  },
};

function loadBuild() {
  try {
    return createRequire(import.meta.url)('../dist/index.cjs');
  } catch (error) {
    if (error?.code === 'MODULE_NOT_FOUND') throw new Error('dist/index.cjs is missing: run `npm run build` first (`npm run bench` does).');
    throw error;
  }
}

const pkg = {
  async ttsSession(baseURL) {
    const { RealtimeTTS } = loadBuild();
    const tts = await RealtimeTTS.connect({ apiKey: API_KEY, baseURL, model: 'hexgrad/Kokoro-82M' });
    return {
      async turn(deltas) {
        const start = process.hrtime.bigint();
        let firstMs;
        let lastMs;
        let received = 0;
        // settleMs 0: the turn ends as soon as its item is done, so no quiet wait enters the numbers.
        for await (const chunk of tts.speak('Hello there.', { settleMs: 0 })) {
          if (chunk.length === 0) throw new Error('empty delta');
          firstMs ??= msSince(start);
          if (++received === deltas) lastMs = msSince(start);
        }
        if (received !== deltas) throw new Error(`expected ${deltas} deltas, got ${received}`);
        return { firstMs, lastMs };
      },
      /** The package's rule with its default settleMs. Returns ms from the last delta to the end of the turn. */
      async endOfTurn(deltas) {
        let received = 0;
        let lastAt;
        for await (const _chunk of tts.speak('Hello there.')) if (++received === deltas) lastAt = process.hrtime.bigint();
        return msSince(lastAt);
      },
      close: () => tts.close(),
    };
  },
  async sttAppend(baseURL, audio) {
    const { RealtimeTranscription } = loadBuild();
    const stt = await RealtimeTranscription.connect({ apiKey: API_KEY, baseURL, turnDetection: null });
    const start = process.hrtime.bigint();
    await stt.appendAudioStream(Readable.from([audio]), { chunkBytes: STT_CHUNK_BYTES });
    await stt.commit();
    let transcript;
    for await (const text of stt.transcripts()) {
      transcript = text;
      break;
    }
    const ms = msSince(start);
    await stt.close();
    return { ms, bytes: Number(transcript) };
  },
};

export const REALTIME_CLIENTS = { raw: { label: 'raw ws', client: raw }, package: { label: '@together-audio/client', client: pkg } };
