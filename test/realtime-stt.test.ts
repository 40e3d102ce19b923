import { createHash, randomBytes } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import {
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  RateLimitError,
  ServiceUnavailableError,
  DEFAULT_AUDIO_CHUNK_BYTES,
  RealtimeClosedError,
  RealtimeError,
  RealtimeTranscription,
  TogetherAudio,
  TogetherAudioError,
  type ServerVadTurnDetection,
} from '../src';
import { errorData, type ServerPeer } from './support/fake-realtime';
import { rejection, transcriptionSessionCreated, useFakeRealtime, within } from './support/realtime-session';
import type { ClientMessage } from './support/realtime-protocol';

const STT = '/realtime';
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const { fake, transcription: connect } = useFakeRealtime();

/** Reads appends until a commit and returns the decoded audio and the size of each append. */
async function audioUntilCommit(peer: ServerPeer): Promise<{ audio: Buffer; sizes: number[] }> {
  const { before } = await peer.until('input_audio_buffer.commit');
  const parts = before.map((event) => {
    expect(event.type).toBe('input_audio_buffer.append');
    return Buffer.from(event.audio as string, 'base64');
  });
  return { audio: Buffer.concat(parts), sizes: parts.map((part) => part.length) };
}

function transcribed(peer: ServerPeer, transcript: string): void {
  peer.send({ type: 'conversation.item.input_audio_transcription.delta', delta: transcript.slice(0, 5) });
  peer.send({ type: 'conversation.item.input_audio_transcription.completed', transcript });
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

test('connects with model, input_audio_format and VAD off in the query, the OpenAI-Beta header, and transcribes appended Buffers byte for byte', async () => {
  const audio = randomBytes(16000 * 2);
  fake.onSession(STT, async (peer) => {
    transcriptionSessionCreated(peer);
    const received = await audioUntilCommit(peer);
    transcribed(peer, `heard ${sha256(received.audio)}`);
  });
  const stt = await connect({ turnDetection: null });
  expect(stt.session).toEqual(expect.objectContaining({ id: 'sess_stt', model: 'openai/whisper-large-v3' }));
  await stt.appendAudio(audio.subarray(0, 10000));
  await stt.appendAudio(new Uint8Array(audio.subarray(10000)));
  await stt.commit();

  const events: ClientMessage[] = [];
  for await (const event of stt) {
    events.push(event as unknown as ClientMessage);
    if (event.type === 'conversation.item.input_audio_transcription.completed') break;
  }
  expect(events.map((event) => event.type)).toEqual(['conversation.item.input_audio_transcription.delta', 'conversation.item.input_audio_transcription.completed']);
  expect(events[1].transcript).toBe(`heard ${sha256(audio)}`);
  await fake.scriptsFinished();
  await stt.close();

  const [upgrade] = fake.upgrades;
  expect(upgrade.url.pathname).toBe('/v1/realtime');
  expect(Object.fromEntries(upgrade.url.searchParams)).toEqual({ model: 'openai/whisper-large-v3', input_audio_format: 'pcm_s16le_16000', turn_detection: 'none' });
  expect(upgrade.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
  expect(upgrade.headers['openai-beta']).toBe('realtime=v1');
  expect(upgrade.headers['sec-websocket-extensions']).toBeUndefined(); // no permessage-deflate: base64 PCM hardly compresses
});

test('appends a Readable in even chunks of chunkBytes, whatever sizes the stream reads in', async () => {
  const audio = randomBytes(50001 * 2);
  let sizes: number[] = [];
  fake.onSession(STT, async (peer) => {
    transcriptionSessionCreated(peer);
    const received = await audioUntilCommit(peer);
    sizes = received.sizes;
    transcribed(peer, sha256(received.audio));
  });
  const stt = await connect({ model: 'openai/whisper-large-v3' });
  const oddPieces = Readable.from((function* () {
    for (let offset = 0; offset < audio.length; offset += 777) yield audio.subarray(offset, offset + 777);
  })());
  expect(await stt.appendAudioStream(oddPieces, { chunkBytes: 8000 })).toBe(audio.length);
  await stt.commit();
  for await (const transcript of stt.transcripts()) {
    expect(transcript).toBe(sha256(audio));
    break;
  }
  expect(sizes.slice(0, -1).every((size) => size === 8000)).toBe(true);
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(audio.length);
  await stt.close();
});

test('server VAD settings go in the upgrade query; later changes, language and prompt go out as transcription_session.updated', async () => {
  const vad: ServerVadTurnDetection = { type: 'server_vad', threshold: 0.2, min_silence_duration_ms: 2000, min_speech_duration_ms: 250, max_speech_duration_s: 7.5, speech_pad_ms: 100 };
  fake.onSession(STT, async (peer) => {
    transcriptionSessionCreated(peer);
    expect(await peer.next()).toEqual({ type: 'transcription_session.updated', session: { language: 'de', prompt: 'Grüezi, Frau Müller.' } });
    expect(await peer.next()).toEqual({ type: 'transcription_session.updated', session: { turn_detection: { ...vad, threshold: 0.5 } } });
    expect(await peer.next()).toEqual({ type: 'transcription_session.updated', session: { turn_detection: null } });
    expect(await peer.next()).toEqual({ type: 'input_audio_buffer.clear' });
  });
  const stt = await connect({ turnDetection: vad, language: 'de', prompt: 'Grüezi, Frau Müller.' });
  expect(Object.fromEntries(fake.upgrades[0].url.searchParams)).toEqual({
    model: 'openai/whisper-large-v3',
    input_audio_format: 'pcm_s16le_16000',
    turn_detection: 'server_vad',
    threshold: '0.2',
    min_silence_duration_ms: '2000',
    min_speech_duration_ms: '250',
    max_speech_duration_s: '7.5',
    speech_pad_ms: '100',
  });
  await stt.updateSession({ turn_detection: { ...vad, threshold: 0.5 } });
  await stt.updateSession({ turn_detection: null });
  await stt.clear();
  await fake.scriptsFinished();
  await stt.close();
});

test('a slow server makes appending wait: bufferedAmount stays under the high-water mark, and no byte is lost', async () => {
  const highWaterMark = 64 * 1024;
  const totalBytes = 24 * 1024 * 1024;
  const block = randomBytes(64 * 1024);
  let resumeServer!: () => void;
  const serverMayRead = new Promise<void>((resolve) => (resumeServer = resolve));
  fake.onSession(
    STT,
    async (peer) => {
      transcriptionSessionCreated(peer);
      peer.socket.pause();
      await serverMayRead;
      peer.socket.resume();
      const hash = createHash('sha256');
      let bytes = 0;
      for (let event = await peer.next(); event.type !== 'input_audio_buffer.commit'; event = await peer.next()) {
        const pcm = Buffer.from(event.audio as string, 'base64');
        hash.update(pcm);
        bytes += pcm.length;
      }
      peer.send({ type: 'conversation.item.input_audio_transcription.completed', transcript: `${bytes}:${hash.digest('hex')}` });
    },
    { record: false },
  );
  const stt = await connect({ highWaterMark });

  const sourceHash = createHash('sha256');
  let produced = 0;
  let maxBuffered = 0;
  const source = Readable.from((function* () {
    for (let index = 0; produced < totalBytes; index += 1) {
      maxBuffered = Math.max(maxBuffered, stt.bufferedAmount);
      const chunk = Buffer.from(block);
      chunk.writeUInt32LE(index, 0);
      sourceHash.update(chunk);
      produced += chunk.length;
      yield chunk;
    }
  })());
  let appendFinished = false;
  const appending = stt.appendAudioStream(source).finally(() => (appendFinished = true));

  try {
    while (stt.bufferedAmount <= highWaterMark && !appendFinished) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      maxBuffered = Math.max(maxBuffered, stt.bufferedAmount);
    }
    expect(appendFinished).toBe(false);
    expect(produced).toBeLessThan(totalBytes);
  } finally {
    resumeServer();
  }

  expect(await appending).toBe(totalBytes);
  await stt.commit();
  for await (const transcript of stt.transcripts()) {
    expect(transcript).toBe(`${totalBytes}:${sourceHash.digest('hex')}`);
    break;
  }
  // A send may take the socket over the mark by the one event it queued, never by more.
  const largestAppendEvent = JSON.stringify({ type: 'input_audio_buffer.append', audio: Buffer.alloc(DEFAULT_AUDIO_CHUNK_BYTES).toString('base64') }).length + 14;
  expect(maxBuffered).toBeLessThanOrEqual(highWaterMark + largestAppendEvent);
  await stt.close();
});

test('a failed event is thrown as RealtimeError with code, type and param', async () => {
  fake.onSession(STT, async (peer) => {
    transcriptionSessionCreated(peer);
    await peer.until('input_audio_buffer.commit');
    peer.send({ type: 'conversation.item.input_audio_transcription.failed', error: { message: 'Unsupported audio', type: 'invalid_request_error', param: 'audio', code: 'unsupported_audio' } });
  });
  const stt = await connect();
  await stt.appendAudio(Buffer.alloc(3200));
  await stt.commit();
  const failure = await (async () => {
    for await (const transcript of stt.transcripts()) return transcript;
  })().catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(RealtimeError);
  expect(failure).toMatchObject({ code: 'unsupported_audio', type: 'invalid_request_error', param: 'audio', message: 'Unsupported audio (code unsupported_audio)' });
  await stt.close();
});

test('refused upgrades: 401 for a wrong key and 400 for an unavailable model surface status and message', async () => {
  const wrongKey = 'sk-stt-wrong-key-never-printed';
  const unauthorized = await RealtimeTranscription.connect({ apiKey: wrongKey, baseURL: fake.baseURL }).catch((error: unknown) => error);
  expect(unauthorized).toBeInstanceOf(AuthenticationError);
  expect(unauthorized).toMatchObject({ status: 401, code: 'invalid_api_key' });
  expect(inspect(unauthorized, { depth: 10 }) + String((unauthorized as Error).stack)).not.toContain(wrongKey);

  fake.refuse(STT, { status: 400, body: errorData('Model openai/whisper-tiny is not available', 'model_not_available', 'model') });
  const badModel = await connect({ model: 'openai/whisper-tiny' }).catch((error: unknown) => error);
  expect(badModel).toBeInstanceOf(BadRequestError);
  expect(badModel).toMatchObject({ status: 400, code: 'model_not_available', message: expect.stringContaining('Model openai/whisper-tiny is not available') });
});

test('an abrupt close mid-session ends the events with RealtimeClosedError after those that arrived', async () => {
  fake.onSession(STT, async (peer) => {
    transcriptionSessionCreated(peer);
    await peer.next();
    await peer.sendFlushed({ type: 'conversation.item.input_audio_transcription.delta', delta: 'The quick' });
    peer.socket.terminate();
  });
  const stt = await connect();
  await stt.appendAudio(Buffer.alloc(320));
  const deltas: string[] = [];
  const failure = await (async () => {
    for await (const event of stt) if (event.type === 'conversation.item.input_audio_transcription.delta') deltas.push(event.delta);
  })().catch((error: unknown) => error);
  expect(deltas).toEqual(['The quick']);
  expect(failure).toBeInstanceOf(RealtimeClosedError);
  await expect(stt.appendAudio(Buffer.alloc(2))).rejects.toBeInstanceOf(RealtimeClosedError);
  await stt.close();
});

test('after the server ends the session normally the events end, and every later call names the close', async () => {
  fake.onSession(STT, (peer) => {
    transcriptionSessionCreated(peer);
    peer.socket.close(1000, 'session ended');
  });
  const stt = await connect();
  for await (const _event of stt) {
    // none: the events end without an error
  }
  for (const call of [() => stt.appendAudio(Buffer.alloc(2)), () => stt.commit(), () => stt.clear()]) {
    const error = await rejection(call());
    expect((error as Error).constructor).toBe(RealtimeClosedError);
    expect((error as Error).message).toBe('The realtime connection closed unexpectedly by the server (close code 1000: session ended).');
  }
  await stt.close();
});

test('bad audio and bad VAD settings are refused before anything is sent', async () => {
  const badVad: Array<[unknown, RegExp]> = [
    [{ type: 'semantic_vad' }, /type must be 'server_vad'/],
    [{ type: 'server_vad', threshold: 1.5 }, /threshold must be a number from 0 to 1/],
    [{ type: 'server_vad', min_silence_duration_ms: -1 }, /min_silence_duration_ms must be a non-negative integer/],
    [{ type: 'server_vad', speech_pad_ms: 2.5 }, /speech_pad_ms must be a non-negative integer/],
    [{ type: 'server_vad', max_speech_duration_s: 0 }, /max_speech_duration_s must be a positive number/],
    [{ type: 'server_vad', threshold: '0.3' }, /threshold must be a number/],
    [{ type: 'server_vad', silence: 1 }, /turn_detection.silence is not a VAD setting/],
  ];
  for (const [turnDetection, message] of badVad) {
    await expect(connect({ turnDetection: turnDetection as ServerVadTurnDetection })).rejects.toThrow(message);
  }
  await expect(connect({ inputAudioFormat: 'pcm_f32le_24000' as 'pcm_s16le_16000' })).rejects.toThrow(/inputAudioFormat must be "pcm_s16le_16000"/);
  await expect(connect({ model: ' ' })).rejects.toThrow(/model must be a non-empty string/);
  expect(fake.upgrades).toEqual([]);

  fake.onSession(STT, (peer) => transcriptionSessionCreated(peer));
  const stt = await connect();
  const wav = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVEfmt '), Buffer.alloc(32)]);
  await expect(stt.appendAudio(wav)).rejects.toThrow(/looks like a WAV file.*raw PCM/);
  await expect(stt.appendAudio(Buffer.concat([Buffer.from('ID3'), Buffer.alloc(13)]))).rejects.toThrow(/MP3/);
  await expect(stt.appendAudio('base64 text' as unknown as Buffer)).rejects.toThrow(/raw PCM bytes.*got a string/);
  await expect(stt.appendAudio(Buffer.alloc(0))).rejects.toThrow(/0 bytes/);
  await expect(stt.appendAudio(Buffer.alloc(3))).rejects.toThrow(/odd count/);
  await expect(stt.appendAudioStream(Readable.from([wav]))).rejects.toThrow(/WAV/);
  await expect(stt.appendAudioStream(Readable.from(['text chunk']))).rejects.toThrow(/binary chunks/);
  await expect(stt.appendAudioStream(Buffer.alloc(4) as unknown as Readable)).rejects.toThrow(/Readable or an async iterable/);
  await expect(stt.appendAudioStream(Readable.from([Buffer.alloc(4)]), { chunkBytes: 3 })).rejects.toThrow(/even integer/);
  await expect(stt.updateSession({ turn_detection: { type: 'server_vad', threshold: -0.1 } })).rejects.toThrow(/threshold/);
  await stt.close();
  expect(fake.peers[0].received).toEqual([]);
});

test('together.realtime.transcription() uses the client base URL and key', async () => {
  fake.onSession(STT, (peer) => transcriptionSessionCreated(peer));
  const together = new TogetherAudio({ apiKey: fake.apiKey, baseURL: fake.baseURL });
  const stt = await together.realtime.transcription({ model: 'openai/whisper-large-v3' });
  expect(fake.upgrades[0].headers.authorization).toBe(`Bearer ${fake.apiKey}`);
  expect(inspect(stt, { depth: 10, showHidden: true })).not.toContain(fake.apiKey);
  await stt.close();
});

test('a failed event naming its item is one utterance failing: it is yielded, and the session goes on', async () => {
  fake.onSession(STT, async (peer) => {
    transcriptionSessionCreated(peer);
    await peer.until('input_audio_buffer.commit');
    peer.send({ type: 'conversation.item.input_audio_transcription.failed', item_id: 'item_1', event_type: 'completed', error: { message: 'Decoding failed', type: 'server_error', param: null, code: 'decode_failed' } });
    peer.send({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_2', transcript: 'second utterance' });
    peer.send({ type: 'conversation.item.input_audio_transcription.failed', error: { message: 'Session expired', type: 'server_error', param: null, code: 'session_expired' } });
  });
  const stt = await connect();
  await stt.appendAudio(Buffer.alloc(3200));
  await stt.commit();
  const seen: unknown[] = [];
  const failure = await (async () => {
    for await (const event of stt) seen.push(event);
  })().catch((error: unknown) => error);
  expect(seen).toEqual([
    expect.objectContaining({ type: 'conversation.item.input_audio_transcription.failed', item_id: 'item_1', error: expect.objectContaining({ code: 'decode_failed' }) }),
    expect.objectContaining({ type: 'conversation.item.input_audio_transcription.completed', transcript: 'second utterance' }),
  ]);
  // One without an item is fatal.
  expect(failure).toBeInstanceOf(RealtimeError);
  expect(failure).toMatchObject({ code: 'session_expired' });
  await stt.close();
});

test('each delta replaces the partial text of its item: partials and updates() show the current text, then the final transcript', async () => {
  fake.onSession(STT, async (peer) => {
    transcriptionSessionCreated(peer);
    await peer.until('input_audio_buffer.commit');
    peer.send({ type: 'conversation.item.input_audio_transcription.delta', item_id: 'item_1', delta: 'The quick' });
    peer.send({ type: 'conversation.item.input_audio_transcription.delta', item_id: 'item_1', delta: 'The quick brown' });
    peer.send({ type: 'conversation.item.input_audio_transcription.delta', delta: 'Unnamed' });
    peer.send({ type: 'conversation.item.input_audio_transcription.delta', item_id: 'item_1', delta: 'The quick brown fox' });
    peer.send({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_1', transcript: 'The quick brown fox.' });
  });
  const stt = await connect({ turnDetection: null });
  await stt.appendAudio(Buffer.alloc(3200));
  await stt.commit();
  const updates = [];
  for await (const update of stt.updates()) {
    updates.push(update);
    if (update.type === 'final') break;
  }
  expect(updates).toEqual([
    { type: 'partial', itemId: 'item_1', text: 'The quick' },
    { type: 'partial', itemId: 'item_1', text: 'The quick brown' },
    { type: 'partial', itemId: '', text: 'Unnamed' },
    { type: 'partial', itemId: 'item_1', text: 'The quick brown fox' },
    { type: 'final', itemId: 'item_1', text: 'The quick brown fox.' },
  ]);
  // item_1 is complete; the unnamed item still has its partial text.
  expect([...stt.partials]).toEqual([['', 'Unnamed']]);
  await stt.close();
});

test('one append message holds at most one second of audio; streams go in 200 ms chunks by default', async () => {
  const threeSeconds = randomBytes(3 * 32000 + 2);
  const sizes: number[][] = [];
  fake.onSession(STT, async (peer) => {
    transcriptionSessionCreated(peer);
    for (let round = 0; round < 2; round += 1) sizes.push((await audioUntilCommit(peer)).sizes);
  });
  const stt = await connect();
  await stt.appendAudio(threeSeconds);
  await stt.commit();
  await stt.appendAudioStream(Readable.from([threeSeconds]));
  await stt.commit();
  await fake.scriptsFinished();
  expect(sizes[0]).toEqual([32000, 32000, 32000, 2]);
  expect(sizes[1]).toEqual([...Array(15).fill(6400), 2]);
  expect(DEFAULT_AUDIO_CHUNK_BYTES).toBe(6400);
  await expect(stt.appendAudioStream(Readable.from([Buffer.alloc(4)]), { chunkBytes: 32002 })).rejects.toThrow(/chunkBytes must be an even integer from 2 to 32000/);
  await stt.close();
});

test('chunkBytes may be as small as one sample and as large as one second', async () => {
  const sizes: number[][] = [];
  fake.onSession(STT, async (peer) => {
    transcriptionSessionCreated(peer);
    for (let round = 0; round < 2; round += 1) sizes.push((await audioUntilCommit(peer)).sizes);
  });
  const stt = await connect();
  expect(await stt.appendAudioStream(Readable.from([Buffer.alloc(6)]), { chunkBytes: 2 })).toBe(6);
  await stt.commit();
  expect(await stt.appendAudioStream(Readable.from([Buffer.alloc(32_002)]), { chunkBytes: 32_000 })).toBe(32_002);
  await stt.commit();
  await fake.scriptsFinished();
  expect(sizes).toEqual([
    [2, 2, 2],
    [32_000, 2],
  ]);
  await stt.close();
});

describe('reconnect (opt-in)', () => {
  test('after a dropped connection it reconnects, replays the audio not yet transcribed, and announces it', async () => {
    const transcribedAudio = randomBytes(6400);
    const pending = randomBytes(9600);
    const later = randomBytes(3200);
    let sessions = 0;
    const replayed: Buffer[] = [];
    fake.onSession(STT, async (peer) => {
      sessions += 1;
      transcriptionSessionCreated(peer);
      if (sessions === 1) {
        expect((await peer.next()).type).toBe('input_audio_buffer.append');
        await peer.until('input_audio_buffer.commit');
        await peer.sendFlushed({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_1', transcript: 'first' });
        await peer.next(); // the pending audio arrives, and then the connection drops before its commit is answered
        await peer.until('input_audio_buffer.commit');
        peer.socket.terminate();
        return;
      }
      const { audio } = await audioUntilCommit(peer);
      replayed.push(audio);
      const { audio: rest } = await audioUntilCommit(peer);
      replayed.push(rest);
      peer.send({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_2', transcript: 'second' });
      peer.send({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_3', transcript: 'third' });
    });
    const stt = await connect({ turnDetection: null, reconnect: { initialDelayMs: 50 } });
    await stt.appendAudio(transcribedAudio);
    await stt.commit();
    await stt.appendAudio(pending);
    await stt.commit();
    const seen: string[] = [];
    for await (const event of stt) {
      if (event.type === 'reconnecting') {
        seen.push(`reconnecting ${event.attempt} ${event.error.name}`);
        await stt.appendAudio(later); // appended while disconnected: kept and sent after the replay
        await stt.commit();
      } else if (event.type === 'reconnected') seen.push(`reconnected ${event.attempt} ${event.replayedBytes}`);
      else if (event.type === 'conversation.item.input_audio_transcription.completed') seen.push(event.transcript);
      else seen.push(event.type);
      if (seen.includes('third')) break;
    }
    expect(seen).toEqual(['first', 'reconnecting 1 RealtimeClosedError', `reconnected 1 ${pending.length + later.length}`, 'second', 'third']);
    expect(replayed[0].equals(pending)).toBe(true);
    expect(replayed[1].equals(later)).toBe(true);
    expect(fake.upgrades).toHaveLength(2);
    await stt.close();
  });

  test('a reader catching up on events while the reconnect has no connection yet reads them all, then the session goes on', async () => {
    let sessions = 0;
    let dropped!: Promise<unknown>;
    fake.onSession(STT, async (peer) => {
      sessions += 1;
      transcriptionSessionCreated(peer);
      if (sessions > 1) return;
      dropped = peer.closed;
      // 12 KiB unread: over half of maxQueuedBytes, so reading them resumes the (gone) socket.
      for (let seq = 0; seq < 12; seq += 1) {
        peer.send({ type: 'conversation.item.input_audio_transcription.delta', item_id: 'item_1', delta: `${seq}:`.padEnd(1024, 'x') });
      }
      await peer.sendFlushed({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_1', transcript: 'first' });
      peer.socket.terminate();
    });
    const stt = await connect({ maxQueuedBytes: 16 * 1024, reconnect: { initialDelayMs: 500 } });
    while (!dropped) await delay(5);
    await within(2000, 'the drop', dropped);
    await delay(50); // the client has seen the close too; its reconnect waits 500 ms
    const seen: string[] = [];
    for await (const event of stt) {
      seen.push(event.type === 'reconnected' ? `reconnected ${event.attempt}` : event.type);
      if (event.type === 'reconnected') break;
    }
    expect(seen).toEqual([...Array(12).fill('conversation.item.input_audio_transcription.delta'), 'conversation.item.input_audio_transcription.completed', 'reconnecting', 'reconnected 1']);
    expect(sessions).toBe(2);
    await stt.close();
  });

  test('audio that no longer fits the replay buffer is reported as a gap, never dropped silently', async () => {
    let sessions = 0;
    let replayedBytes = 0;
    fake.onSession(STT, async (peer) => {
      sessions += 1;
      transcriptionSessionCreated(peer);
      if (sessions === 1) {
        await peer.until('input_audio_buffer.commit');
        peer.socket.terminate();
        return;
      }
      replayedBytes = (await audioUntilCommit(peer)).audio.length;
      peer.send({ type: 'conversation.item.input_audio_transcription.completed', transcript: 'tail' });
    });
    const stt = await connect({ turnDetection: null, reconnect: { initialDelayMs: 10, replayBufferBytes: 64000 } });
    await stt.appendAudio(randomBytes(32000 * 3)); // 3 s, of which the buffer keeps 2 s
    await stt.commit();
    const seen: unknown[] = [];
    for await (const event of stt) {
      seen.push(event.type === 'gap' ? event : event.type);
      if (event.type === 'conversation.item.input_audio_transcription.completed') break;
    }
    expect(seen).toEqual(['reconnecting', { type: 'gap', droppedBytes: 32000, droppedMs: 1000 }, 'reconnected', 'conversation.item.input_audio_transcription.completed']);
    expect(replayedBytes).toBe(64000);
    await stt.close();
  });

  test('a fatal failure is not retried: the session ends with it, and later appends are refused, not buffered', async () => {
    fake.onSession(STT, async (peer) => {
      transcriptionSessionCreated(peer);
      await peer.next();
      peer.send({ type: 'conversation.item.input_audio_transcription.failed', error: { message: 'Session limit reached', type: 'server_error', param: null, code: 'session_limit' } });
      peer.socket.close(1000); // Together closes with 1000 even after an error
    });
    const stt = await connect({ reconnect: { initialDelayMs: 10 } });
    await stt.appendAudio(Buffer.alloc(320));
    const failure = await (async () => {
      for await (const _event of stt) {
        // nothing but the failure
      }
    })().catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'RealtimeError', code: 'session_limit' });
    await expect(stt.appendAudio(Buffer.alloc(2))).rejects.toMatchObject({ code: 'session_limit' });
    await fake.peers[0].closed;
    await new Promise((resolve) => setTimeout(resolve, 100)); // far past initialDelayMs
    expect(await stt.events()[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined });
    expect(fake.upgrades).toHaveLength(1);
    await stt.close();
  });

  test('a close by the server with code 1000 but no fatal failure is reconnected too, the announcement naming code and reason', async () => {
    let sessions = 0;
    fake.onSession(STT, async (peer) => {
      sessions += 1;
      transcriptionSessionCreated(peer);
      if (sessions === 1) return peer.socket.close(1000, 'idle');
      await peer.next();
      peer.send({ type: 'conversation.item.input_audio_transcription.completed', transcript: 'back' });
    });
    const stt = await connect({ reconnect: { initialDelayMs: 1 } });
    const seen: string[] = [];
    for await (const event of stt) {
      if (event.type === 'reconnecting') seen.push(`${event.error.constructor.name}: ${event.error.message}`);
      else seen.push(event.type);
      if (event.type === 'reconnected') await stt.appendAudio(Buffer.alloc(320));
      if (event.type === 'conversation.item.input_audio_transcription.completed') break;
    }
    expect(seen).toEqual([
      'RealtimeClosedError: The realtime connection closed unexpectedly during the session (close code 1000: idle).',
      'reconnected',
      'conversation.item.input_audio_transcription.completed',
    ]);
    await stt.close();
  });

  test('without reconnect a dropped connection ends the session; with it, giving up after maxAttempts does too', async () => {
    let sessions = 0;
    fake.onSession(STT, (peer) => {
      sessions += 1;
      transcriptionSessionCreated(peer);
      peer.socket.terminate();
    });
    const stt = await connect({ reconnect: { maxAttempts: 2, initialDelayMs: 10 } });
    const failure = await (async () => {
      for await (const _event of stt) {
        // reconnecting events
      }
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RealtimeClosedError);
    expect(sessions).toBe(3);
    await expect(stt.appendAudio(Buffer.alloc(2))).rejects.toBeInstanceOf(RealtimeClosedError);
    await stt.close();
  });
});

describe('turn_detection is checked before it is sent', () => {
  const vad = (settings: Record<string, unknown>) => ({ type: 'server_vad', ...settings }) as ServerVadTurnDetection;

  test('the edges of each VAD setting are accepted and sent as given', async () => {
    const accepted = [
      vad({ threshold: 0 }),
      vad({ threshold: 1 }),
      vad({ min_silence_duration_ms: 0 }),
      vad({ min_speech_duration_ms: 0 }),
      vad({ speech_pad_ms: 0 }),
      vad({ max_speech_duration_s: 0.001 }),
      vad({ threshold: undefined, speech_pad_ms: 250 }),
    ];
    fake.onSession(STT, async (peer) => {
      transcriptionSessionCreated(peer);
      for (const turnDetection of accepted) {
        expect(await peer.next()).toEqual({ type: 'transcription_session.updated', session: { turn_detection: JSON.parse(JSON.stringify(turnDetection)) } });
      }
    });
    const stt = await connect();
    for (const turnDetection of accepted) await stt.updateSession({ turn_detection: turnDetection });
    await fake.scriptsFinished();
    await stt.close();
  });

  test('a value just past an edge is a TypeError naming the setting, what it must be and what it got', async () => {
    const refused: Array<[ServerVadTurnDetection, string]> = [
      [vad({ threshold: -0.01 }), 'turn_detection.threshold must be a number from 0 to 1, got -0.01.'],
      [vad({ threshold: 1.01 }), 'turn_detection.threshold must be a number from 0 to 1, got 1.01.'],
      [vad({ threshold: Number.NaN }), 'turn_detection.threshold must be a number from 0 to 1, got NaN.'],
      [vad({ min_silence_duration_ms: -1 }), 'turn_detection.min_silence_duration_ms must be a non-negative integer (milliseconds), got -1.'],
      [vad({ min_silence_duration_ms: 0.5 }), 'turn_detection.min_silence_duration_ms must be a non-negative integer (milliseconds), got 0.5.'],
      [vad({ min_speech_duration_ms: -1 }), 'turn_detection.min_speech_duration_ms must be a non-negative integer (milliseconds), got -1.'],
      [vad({ min_speech_duration_ms: 0.5 }), 'turn_detection.min_speech_duration_ms must be a non-negative integer (milliseconds), got 0.5.'],
      [vad({ speech_pad_ms: -1 }), 'turn_detection.speech_pad_ms must be a non-negative integer (milliseconds), got -1.'],
      [vad({ max_speech_duration_s: 0 }), 'turn_detection.max_speech_duration_s must be a positive number (seconds), got 0.'],
      [vad({ max_speech_duration_s: Number.POSITIVE_INFINITY }), 'turn_detection.max_speech_duration_s must be a positive number (seconds), got Infinity.'],
      [vad({ threshold: '0.3' }), 'turn_detection.threshold must be a number from 0 to 1, got "0.3".'],
      [vad({ silence_ms: 500 }), 'turn_detection.silence_ms is not a VAD setting; expected one of threshold, min_silence_duration_ms, min_speech_duration_ms, max_speech_duration_s, speech_pad_ms.'],
      [{ threshold: 0.5 } as unknown as ServerVadTurnDetection, "turn_detection.type must be 'server_vad' (use turn_detection: null to turn VAD off), got undefined."],
      ['server_vad' as unknown as ServerVadTurnDetection, "turn_detection must be { type: 'server_vad', ... } or null, got string."],
    ];
    fake.onSession(STT, (peer) => transcriptionSessionCreated(peer));
    const stt = await connect();
    for (const [turnDetection, message] of refused) {
      for (const attempt of [() => connect({ turnDetection }), () => stt.updateSession({ turn_detection: turnDetection })]) {
        const error = await rejection(attempt());
        expect((error as Error).constructor).toBe(TypeError);
        expect((error as Error).message).toBe(message);
      }
    }
    await stt.close();
    expect(fake.upgrades).toHaveLength(1);
    expect(fake.peers[0].received).toEqual([]);
  });
});

describe('appended audio must be raw PCM', () => {
  const header = (text: string, at = 0) => {
    const bytes = Buffer.alloc(64);
    bytes.write(text, at, 'latin1');
    return bytes;
  };
  const webm = () => Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.alloc(60)]);

  test('an audio file is refused by its signature, naming its kind and how to decode it, and nothing is sent', async () => {
    const wav = header('RIFF');
    wav.write('WAVE', 8, 'latin1');
    const files: Array<[Buffer, string]> = [
      [wav, 'a WAV file'],
      [header('ID3'), 'an MP3 file'],
      [header('OggS'), 'an Ogg file'],
      [header('fLaC'), 'a FLAC file'],
      [header('ftyp', 4), 'an MP4/M4A file'],
      [webm(), 'a WebM file'],
    ];
    fake.onSession(STT, (peer) => transcriptionSessionCreated(peer));
    const stt = await connect();
    for (const [file, kind] of files) {
      const message = `The audio looks like ${kind}; realtime transcription takes raw PCM (pcm_s16le_16000: signed 16-bit little-endian, 16 kHz, mono). Decode it first (e.g. ffmpeg -f s16le -ar 16000 -ac 1).`;
      await expect(stt.appendAudio(file)).rejects.toThrow(new TypeError(message));
      await expect(stt.appendAudioStream(Readable.from([Buffer.alloc(0), file]))).rejects.toThrow(new TypeError(message));
    }
    await stt.close();
    expect(fake.peers[0].received).toEqual([]);
  });

  test('PCM that only resembles a signature is sent, and so is a signature after the first bytes of a stream', async () => {
    const riffNotWave = header('RIFF');
    riffNotWave.write('AVI ', 8, 'latin1');
    const waveWithoutRiff = header('WAVE', 8);
    const ftypAtStart = header('ftyp');
    const webmButOneByte = [0, 1, 2, 3].map((index) => {
      const bytes = webm();
      bytes[index] = 0;
      return bytes;
    });
    const pcm = [riffNotWave, waveWithoutRiff, ...webmButOneByte, ftypAtStart, header('ID'), header('OggT'), header('fLaX')];
    const wavLater = header('RIFF');
    wavLater.write('WAVE', 8, 'latin1');
    fake.onSession(STT, async (peer) => {
      transcriptionSessionCreated(peer);
      const { audio } = await audioUntilCommit(peer);
      expect(audio.equals(Buffer.concat([...pcm, Buffer.alloc(64), wavLater]))).toBe(true);
    });
    const stt = await connect({ turnDetection: null });
    for (const bytes of pcm) await stt.appendAudio(bytes);
    expect(await stt.appendAudioStream(Readable.from([Buffer.alloc(64), wavLater]), { chunkBytes: 64 })).toBe(128);
    await stt.commit();
    await fake.scriptsFinished();
    await stt.close();
  });

  test('what is not whole samples of bytes, or not bytes, or chunks that are not whole samples up to one second, is a TypeError saying what it got', async () => {
    fake.onSession(STT, (peer) => transcriptionSessionCreated(peer));
    const stt = await connect();
    const refused: Array<[() => Promise<unknown>, string]> = [
      [() => stt.appendAudio('AAAA' as unknown as Buffer), 'appendAudio needs raw PCM bytes (a Buffer or Uint8Array), got a string; use appendAudioStream for a Readable.'],
      [() => stt.appendAudio(Readable.from([]) as unknown as Buffer), 'appendAudio needs raw PCM bytes (a Buffer or Uint8Array), got an instance of Readable; use appendAudioStream for a Readable.'],
      [() => stt.appendAudio(new Uint8Array(0)), 'appendAudio needs audio, got 0 bytes.'],
      [() => stt.appendAudio(Buffer.alloc(32001)), 'appendAudio needs whole 16-bit samples, got 32001 bytes (an odd count).'],
      [() => stt.appendAudioStream(Readable.from([Buffer.alloc(6401)])), 'The audio stream ended with half a sample (6401 bytes in all); s16le PCM has 2 bytes per sample.'],
      ...[0, 2.5, 7, 32_002].map((chunkBytes): [() => Promise<unknown>, string] => [
        () => stt.appendAudioStream(Readable.from([Buffer.alloc(4)]), { chunkBytes }),
        `chunkBytes must be an even integer from 2 to 32000 (one second), got ${chunkBytes}.`,
      ]),
      [() => stt.appendAudioStream(null as unknown as Readable), 'appendAudioStream needs a Readable or an async iterable of PCM bytes, got null.'],
      [() => stt.appendAudioStream(Readable.from([Buffer.alloc(2), 'AAAA'])), 'appendAudioStream needs binary chunks (Buffer/Uint8Array), got a string; do not set an encoding on the stream.'],
    ];
    for (const [attempt, message] of refused) {
      const error = await rejection(attempt());
      expect((error as Error).constructor).toBe(TypeError);
      expect((error as Error).message).toBe(message);
    }
    await stt.close();
  });
});

describe('reading events', () => {
  const delta = (text: string) => ({ type: 'conversation.item.input_audio_transcription.delta', item_id: 'item_1', delta: text });

  test('one reader at a time: a second one waiting at once is refused with TogetherAudioError, and the first reads on', async () => {
    fake.onSession(STT, async (peer) => {
      transcriptionSessionCreated(peer);
      await peer.next();
      peer.send(delta('first'));
    });
    const stt = await connect();
    const first = stt.events()[Symbol.asyncIterator]().next();
    const second = await rejection(stt.events()[Symbol.asyncIterator]().next());
    expect((second as Error).constructor).toBe(TogetherAudioError);
    expect((second as Error).message).toBe('Another reader is already waiting for events on this realtime session.');
    await stt.appendAudio(Buffer.alloc(320));
    expect(await first).toEqual({ done: false, value: delta('first') });
    await stt.close();
  });

  test("a signal aborts the wait with the signal's reason, the session goes on, an aborted signal refuses at once, and a read that ends leaves no listener", async () => {
    fake.onSession(STT, async (peer) => {
      transcriptionSessionCreated(peer);
      await peer.next();
      peer.send(delta('after the abort'));
    });
    const stt = await connect();
    const controller = new AbortController();
    const reason = new Error('the user left');
    const waiting = rejection(stt.events({ signal: controller.signal })[Symbol.asyncIterator]().next());
    controller.abort(reason);
    expect(await waiting).toBe(reason);
    expect(await rejection(stt.transcripts({ signal: controller.signal })[Symbol.asyncIterator]().next())).toBe(reason);
    await stt.appendAudio(Buffer.alloc(320));
    const reading = new AbortController();
    const next = await within(2000, 'the next reader', stt.events({ signal: reading.signal })[Symbol.asyncIterator]().next());
    expect(next.value).toEqual(delta('after the abort'));
    expect(getEventListeners(reading.signal, 'abort')).toEqual([]);
    await stt.close();
  });

  test('an error event is thrown to the reader in its place, and the events after it are read on', async () => {
    fake.onSession(STT, async (peer) => {
      transcriptionSessionCreated(peer);
      await peer.next();
      peer.send(delta('before'));
      peer.send({ type: 'error', error: { message: 'Audio buffer too small', type: 'invalid_request_error', param: null, code: 'buffer_too_small' } });
      peer.send(delta('after'));
    });
    const stt = await connect();
    await stt.appendAudio(Buffer.alloc(320));
    const reader = stt.events()[Symbol.asyncIterator]();
    expect((await reader.next()).value).toEqual(delta('before'));
    const error = await rejection(reader.next());
    expect(error).toBeInstanceOf(RealtimeError);
    expect(error).toMatchObject({ code: 'buffer_too_small', message: 'Audio buffer too small (code buffer_too_small)' });
    expect((await stt.events()[Symbol.asyncIterator]().next()).value).toEqual(delta('after'));
    await stt.close();
  });

  test('a failure that ended the session is still thrown to a reader who reads after close()', async () => {
    fake.onSession(STT, (peer) => {
      transcriptionSessionCreated(peer);
      peer.socket.close(1011, 'overloaded');
    });
    const stt = await connect();
    await within(2000, 'the server close', fake.peers[0].closed);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await stt.close();
    const error = await rejection(stt.events()[Symbol.asyncIterator]().next());
    expect(error).toBeInstanceOf(RealtimeClosedError);
    expect(error).toMatchObject({ closeCode: 1011, reason: 'overloaded' });
  });

  test('close() ends a waiting reader without an error, and every later call is refused as closed, not kept for a reconnect', async () => {
    fake.onSession(STT, (peer) => transcriptionSessionCreated(peer));
    const stt = await connect({ reconnect: true });
    const reading = (async () => {
      const seen: unknown[] = [];
      for await (const event of stt) seen.push(event);
      return seen;
    })();
    await stt.close();
    expect(await within(2000, 'the reader', reading)).toEqual([]);
    for (const call of [() => stt.appendAudio(Buffer.alloc(2)), () => stt.commit(), () => stt.clear(), () => stt.updateSession({ language: 'en' })]) {
      const error = await rejection(call());
      expect((error as Error).constructor).toBe(TogetherAudioError);
      expect((error as Error).message).toBe('The realtime session is closed; open a new one.');
    }
  });
});

describe('what a reconnect replays', () => {
  /**
   * The first session runs `first` and then drops the connection; each later one reports the audio
   * (and commits) it received up to `until` and answers with a transcript.
   */
  function dropOnce(first: (peer: ServerPeer) => Promise<void>, until = 'input_audio_buffer.commit'): { replayed: Promise<ClientMessage[]> } {
    let sessions = 0;
    let report!: (events: ClientMessage[]) => void;
    const replayed = new Promise<ClientMessage[]>((resolve) => (report = resolve));
    fake.onSession(STT, async (peer) => {
      sessions += 1;
      transcriptionSessionCreated(peer);
      if (sessions === 1) {
        await first(peer);
        peer.socket.terminate();
        return;
      }
      const { event, before } = await peer.until(until);
      report([...before, event]);
      peer.send({ type: 'conversation.item.input_audio_transcription.completed', transcript: 'replayed' });
    });
    return { replayed };
  }

  /** Reads events until the transcript of the replay and returns their types ('gap' with its sizes). */
  async function eventsUntilReplayed(stt: RealtimeTranscription): Promise<unknown[]> {
    const seen: unknown[] = [];
    for await (const event of stt) {
      seen.push(event.type === 'gap' || event.type === 'reconnected' ? event : event.type);
      if (event.type === 'conversation.item.input_audio_transcription.completed' && event.transcript === 'replayed') break;
    }
    return seen;
  }

  const appended = (events: ClientMessage[]) => events.map((event) => (event.type === 'input_audio_buffer.append' ? Buffer.from(event.audio as string, 'base64').length : event.type));

  test('with server VAD a transcript covers all the audio before it: only what came after is sent again', async () => {
    const { replayed } = dropOnce(async (peer) => {
      await peer.next();
      await peer.sendFlushed({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_1', transcript: 'heard' });
      await peer.next();
    }, 'input_audio_buffer.append');
    const stt = await connect({ reconnect: { initialDelayMs: 10 } });
    await stt.appendAudio(randomBytes(3200));
    const reader = stt.events()[Symbol.asyncIterator]();
    expect((await reader.next()).value).toMatchObject({ transcript: 'heard' });
    await reader.return(undefined);
    await stt.appendAudio(randomBytes(1600));
    expect(await eventsUntilReplayed(stt)).toEqual(['reconnecting', { type: 'reconnected', attempt: 1, replayedBytes: 1600 }, 'conversation.item.input_audio_transcription.completed']);
    expect(appended(await replayed)).toEqual([1600]);
    await stt.close();
  });

  test.each([
    ['connected with it', async () => connect({ reconnect: { initialDelayMs: 10 } }), [1600]],
    [
      'turned on by updateSession',
      async () => {
        const stt = await connect({ turnDetection: null, reconnect: { initialDelayMs: 10 } });
        await stt.updateSession({ turn_detection: { type: 'server_vad' } });
        return stt;
      },
      // The kept settings go first on the new connection.
      ['transcription_session.updated', 1600],
    ],
  ])('with server VAD (%s) a transcript also covers a commit made before it: neither is sent again', async (_how, start, resent) => {
    const { replayed } = dropOnce(async (peer) => {
      await peer.until('input_audio_buffer.commit');
      await peer.next();
      await peer.sendFlushed({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_1', transcript: 'heard' });
      await peer.next();
    }, 'input_audio_buffer.append');
    const stt = await start();
    await stt.appendAudio(randomBytes(3200));
    await stt.commit();
    await stt.appendAudio(randomBytes(3200));
    for await (const event of stt) if (event.type === 'conversation.item.input_audio_transcription.completed') break;
    await stt.appendAudio(randomBytes(1600));
    expect(await eventsUntilReplayed(stt)).toEqual(['reconnecting', { type: 'reconnected', attempt: 1, replayedBytes: 1600 }, 'conversation.item.input_audio_transcription.completed']);
    expect(appended(await replayed)).toEqual(resent);
    await stt.close();
  });

  test('with manual commits a transcript, or a failure naming its item, covers the audio up to the oldest open commit', async () => {
    for (const answer of [
      { type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_1', transcript: 'first turn' },
      { type: 'conversation.item.input_audio_transcription.failed', item_id: 'item_1', error: { message: 'Decoding failed', type: 'server_error', param: null, code: 'decode_failed' } },
    ]) {
      const { replayed } = dropOnce(async (peer) => {
        await peer.until('input_audio_buffer.commit');
        await peer.until('input_audio_buffer.commit');
        await peer.sendFlushed(answer);
      });
      const stt = await connect({ turnDetection: null, reconnect: { initialDelayMs: 10 } });
      await stt.appendAudio(randomBytes(3200));
      await stt.commit();
      await stt.appendAudio(randomBytes(6400));
      await stt.commit();
      expect(await eventsUntilReplayed(stt)).toEqual([answer.type, 'reconnecting', { type: 'reconnected', attempt: 1, replayedBytes: 6400 }, 'conversation.item.input_audio_transcription.completed']);
      expect(appended(await replayed)).toEqual([6400, 'input_audio_buffer.commit']);
      await stt.close();
    }
  });

  test('with manual commits, a settings change that leaves turn_detection out keeps them manual: a transcript still covers only the oldest', async () => {
    const { replayed } = dropOnce(async (peer) => {
      await peer.until('input_audio_buffer.commit');
      await peer.until('input_audio_buffer.commit');
      await peer.sendFlushed({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_1', transcript: 'first turn' });
    });
    const stt = await connect({ turnDetection: null, reconnect: { initialDelayMs: 10 } });
    await stt.appendAudio(randomBytes(3200));
    await stt.commit();
    await stt.updateSession({ language: 'de' });
    await stt.appendAudio(randomBytes(6400));
    await stt.commit();
    expect(await eventsUntilReplayed(stt)).toEqual([
      'conversation.item.input_audio_transcription.completed',
      'reconnecting',
      { type: 'reconnected', attempt: 1, replayedBytes: 6400 },
      'conversation.item.input_audio_transcription.completed',
    ]);
    expect(appended(await replayed)).toEqual(['transcription_session.updated', 6400, 'input_audio_buffer.commit']);
    await stt.close();
  });

  test('clear() drops the audio before it from the replay, and its commits', async () => {
    const { replayed } = dropOnce(async (peer) => {
      await peer.until('input_audio_buffer.clear');
      await peer.until('input_audio_buffer.commit');
    });
    const stt = await connect({ turnDetection: null, reconnect: { initialDelayMs: 10 } });
    await stt.appendAudio(randomBytes(3200));
    await stt.commit();
    await stt.appendAudio(randomBytes(1600));
    await stt.clear();
    await stt.appendAudio(randomBytes(800));
    await stt.commit();
    expect(await eventsUntilReplayed(stt)).toEqual(['reconnecting', { type: 'reconnected', attempt: 1, replayedBytes: 800 }, 'conversation.item.input_audio_transcription.completed']);
    expect(appended(await replayed)).toEqual([800, 'input_audio_buffer.commit']);
    await stt.close();
  });

  test('audio that exactly fills replayBufferBytes is all replayed, with no gap', async () => {
    const { replayed } = dropOnce(async (peer) => {
      await peer.until('input_audio_buffer.commit');
    });
    const stt = await connect({ turnDetection: null, reconnect: { initialDelayMs: 10, replayBufferBytes: 64000 } });
    await stt.appendAudio(randomBytes(64000));
    await stt.commit();
    expect(await eventsUntilReplayed(stt)).toEqual(['reconnecting', { type: 'reconnected', attempt: 1, replayedBytes: 64000 }, 'conversation.item.input_audio_transcription.completed']);
    expect(appended(await replayed)).toEqual([32000, 32000, 'input_audio_buffer.commit']);
    await stt.close();
  });

  test('two bytes more, and the oldest message is dropped and reported as a gap', async () => {
    const { replayed } = dropOnce(async (peer) => {
      await peer.until('input_audio_buffer.commit');
    });
    const stt = await connect({ turnDetection: null, reconnect: { initialDelayMs: 10, replayBufferBytes: 64000 } });
    await stt.appendAudio(randomBytes(64002));
    await stt.commit();
    expect(await eventsUntilReplayed(stt)).toEqual([
      'reconnecting',
      { type: 'gap', droppedBytes: 32000, droppedMs: 1000 },
      { type: 'reconnected', attempt: 1, replayedBytes: 32002 },
      'conversation.item.input_audio_transcription.completed',
    ]);
    expect(appended(await replayed)).toEqual([32000, 2, 'input_audio_buffer.commit']);
    await stt.close();
  });

  test('a commit lost in a gap is not waited for: the transcript of the next commit covers the audio up to it', async () => {
    let sessions = 0;
    fake.onSession(STT, async (peer) => {
      sessions += 1;
      transcriptionSessionCreated(peer);
      if (sessions === 1) {
        await peer.until('input_audio_buffer.commit');
        await peer.until('input_audio_buffer.commit');
      } else if (sessions === 2) {
        await peer.until('input_audio_buffer.commit');
        await peer.sendFlushed({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_2', transcript: 'replayed' });
      } else {
        return;
      }
      peer.socket.terminate();
    });
    const stt = await connect({ turnDetection: null, reconnect: { initialDelayMs: 10, replayBufferBytes: 64000 } });
    await stt.appendAudio(randomBytes(2));
    await stt.commit();
    await stt.appendAudio(randomBytes(64000));
    await stt.appendAudio(randomBytes(2)); // the first commit, its audio and the next second leave the buffer
    await stt.commit();
    const seen: unknown[] = [];
    for await (const event of stt) {
      seen.push(event.type === 'gap' || event.type === 'reconnected' ? event : event.type);
      if (event.type === 'reconnected' && event.attempt === 1 && seen.length > 3) break;
    }
    expect(seen).toEqual([
      'reconnecting',
      { type: 'gap', droppedBytes: 32002, droppedMs: 1000.0625 },
      { type: 'reconnected', attempt: 1, replayedBytes: 32002 },
      'conversation.item.input_audio_transcription.completed',
      'reconnecting',
      { type: 'reconnected', attempt: 1, replayedBytes: 0 },
    ]);
    await stt.close();
  });

  test('transcribed audio frees its room in the replay buffer', async () => {
    const { replayed } = dropOnce(async (peer) => {
      await peer.until('input_audio_buffer.commit');
      await peer.sendFlushed({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_1', transcript: 'first second' });
      await peer.until('input_audio_buffer.commit');
    });
    const stt = await connect({ turnDetection: null, reconnect: { initialDelayMs: 10, replayBufferBytes: 64000 } });
    await stt.appendAudio(randomBytes(32000));
    await stt.commit();
    for await (const event of stt) if (event.type === 'conversation.item.input_audio_transcription.completed') break;
    await stt.appendAudio(randomBytes(64000));
    await stt.commit();
    expect(await eventsUntilReplayed(stt)).toEqual(['reconnecting', { type: 'reconnected', attempt: 1, replayedBytes: 64000 }, 'conversation.item.input_audio_transcription.completed']);
    expect(appended(await replayed)).toEqual([32000, 32000, 'input_audio_buffer.commit']);
    await stt.close();
  });

  test('a transcript with no commit open changes nothing: a later gap is still reported', async () => {
    const { replayed } = dropOnce(async (peer) => {
      await peer.sendFlushed({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_0', transcript: 'unasked' });
      await peer.until('input_audio_buffer.commit');
    });
    const stt = await connect({ turnDetection: null, reconnect: { initialDelayMs: 10, replayBufferBytes: 64000 } });
    for await (const event of stt) if (event.type === 'conversation.item.input_audio_transcription.completed') break;
    await stt.appendAudio(randomBytes(96000));
    await stt.commit();
    expect(await eventsUntilReplayed(stt)).toEqual([
      'reconnecting',
      { type: 'gap', droppedBytes: 32000, droppedMs: 1000 },
      { type: 'reconnected', attempt: 1, replayedBytes: 64000 },
      'conversation.item.input_audio_transcription.completed',
    ]);
    expect(appended(await replayed)).toEqual([32000, 32000, 'input_audio_buffer.commit']);
    await stt.close();
  });

  test('a gap is reported once: a second reconnect before any transcript replays the same audio without reporting it again', async () => {
    let sessions = 0;
    fake.onSession(STT, async (peer) => {
      sessions += 1;
      transcriptionSessionCreated(peer);
      if (sessions < 3) await peer.until('input_audio_buffer.commit');
      peer.socket.terminate();
    });
    const stt = await connect({ turnDetection: null, reconnect: { initialDelayMs: 10, maxAttempts: 2, replayBufferBytes: 64000 } });
    await stt.appendAudio(randomBytes(96000));
    await stt.commit();
    const seen: unknown[] = [];
    for await (const event of stt) {
      seen.push(event.type === 'gap' || event.type === 'reconnected' ? event : event.type);
      if (seen.length === 5) break;
    }
    expect(seen).toEqual([
      'reconnecting',
      { type: 'gap', droppedBytes: 32000, droppedMs: 1000 },
      { type: 'reconnected', attempt: 1, replayedBytes: 64000 },
      'reconnecting',
      { type: 'reconnected', attempt: 2, replayedBytes: 64000 },
    ]);
    await stt.close();
  });

  test('audio dropped from a full buffer but transcribed before the connection was lost is no gap', async () => {
    const { replayed } = dropOnce(async (peer) => {
      await peer.until('input_audio_buffer.commit');
      await peer.until('input_audio_buffer.commit');
      await peer.sendFlushed({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_1', transcript: 'first second' });
    });
    const stt = await connect({ turnDetection: null, reconnect: { initialDelayMs: 10, replayBufferBytes: 64000 } });
    await stt.appendAudio(randomBytes(32000));
    await stt.commit();
    await stt.appendAudio(randomBytes(64000)); // the first second leaves the buffer
    await stt.commit();
    expect(await eventsUntilReplayed(stt)).toEqual([
      'conversation.item.input_audio_transcription.completed',
      'reconnecting',
      { type: 'reconnected', attempt: 1, replayedBytes: 64000 },
      'conversation.item.input_audio_transcription.completed',
    ]);
    expect(appended(await replayed)).toEqual([32000, 32000, 'input_audio_buffer.commit']);
    await stt.close();
  });

  test('after a gap, a commit whose audio was all lost is not sent again: the replay starts with the audio still held', async () => {
    const { replayed } = dropOnce(async (peer) => {
      await peer.until('input_audio_buffer.commit');
      await peer.until('input_audio_buffer.commit');
    });
    const stt = await connect({ turnDetection: null, reconnect: { initialDelayMs: 10, replayBufferBytes: 64000 } });
    await stt.appendAudio(randomBytes(32000));
    await stt.commit();
    await stt.appendAudio(randomBytes(64000)); // the first second leaves the buffer; its commit is still held
    await stt.commit();
    expect(await eventsUntilReplayed(stt)).toEqual([
      'reconnecting',
      { type: 'gap', droppedBytes: 32000, droppedMs: 1000 },
      { type: 'reconnected', attempt: 1, replayedBytes: 64000 },
      'conversation.item.input_audio_transcription.completed',
    ]);
    // A commit with no audio before it would be an empty commit, which the server refuses.
    expect(appended(await replayed)).toEqual([32000, 32000, 'input_audio_buffer.commit']);
    await stt.close();
  });

  test('after such a gap, the transcript of the replayed commit frees its audio: a second reconnect sends none of it again', async () => {
    let sessions = 0;
    let report!: (events: ClientMessage[]) => void;
    const third = new Promise<ClientMessage[]>((resolve) => (report = resolve));
    fake.onSession(STT, async (peer) => {
      sessions += 1;
      transcriptionSessionCreated(peer);
      const { event, before } = await peer.until('input_audio_buffer.commit');
      if (sessions === 1) await peer.until('input_audio_buffer.commit');
      if (sessions === 2) await peer.sendFlushed({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_2', transcript: 'replayed' });
      if (sessions === 3) return report([...before, event]);
      peer.socket.terminate();
    });
    const stt = await connect({ turnDetection: null, reconnect: { initialDelayMs: 10, replayBufferBytes: 64000 } });
    await stt.appendAudio(randomBytes(32000));
    await stt.commit();
    await stt.appendAudio(randomBytes(64000));
    await stt.commit();
    for await (const event of stt) {
      if (event.type === 'reconnected' && sessions === 3) {
        await stt.appendAudio(randomBytes(320));
        await stt.commit();
        break;
      }
    }
    expect(appended(await within(3000, 'the third session', third))).toEqual([320, 'input_audio_buffer.commit']);
    await stt.close();
  });

  test('commits made under server VAD are covered by its transcripts: after switching to manual commits, the next transcript frees its audio', async () => {
    const { replayed: resent } = dropOnce(async (peer) => {
      await peer.until('input_audio_buffer.commit');
      await peer.sendFlushed({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_1', transcript: 'by VAD' });
      await peer.until('input_audio_buffer.commit');
      await peer.sendFlushed({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_2', transcript: 'by hand' });
    });
    const stt = await connect({ reconnect: { initialDelayMs: 10 } });
    await stt.appendAudio(randomBytes(3200));
    await stt.commit();
    for await (const event of stt) {
      if (event.type === 'conversation.item.input_audio_transcription.completed' && event.transcript === 'by VAD') {
        await stt.updateSession({ turn_detection: null });
        await stt.appendAudio(randomBytes(1600));
        await stt.commit();
      }
      if (event.type === 'reconnected') {
        expect(event.replayedBytes).toBe(0);
        break;
      }
    }
    await stt.appendAudio(randomBytes(320));
    await stt.commit();
    expect(appended(await within(3000, 'the second session', resent))).toEqual(['transcription_session.updated', 320, 'input_audio_buffer.commit']);
    await stt.close();
  });

  test('audio appended while a replay is being sent goes out once, after the replayed audio', async () => {
    const held = 6_400_000; // more than the kernel's socket buffers take, so the replay waits for the server to read
    let sessions = 0;
    let resumeReading!: () => void;
    const mayRead = new Promise<void>((resolve) => (resumeReading = resolve));
    let report!: (events: ClientMessage[]) => void;
    const received = new Promise<ClientMessage[]>((resolve) => (report = resolve));
    fake.onSession(
      STT,
      async (peer) => {
        sessions += 1;
        transcriptionSessionCreated(peer);
        if (sessions === 1) {
          await peer.until('input_audio_buffer.commit');
          peer.socket.terminate();
          return;
        }
        peer.socket.pause();
        await mayRead;
        peer.socket.resume();
        const first = await peer.until('input_audio_buffer.commit');
        const second = await peer.until('input_audio_buffer.commit');
        report([...first.before, first.event, ...second.before, second.event]);
      },
      { record: false },
    );
    const stt = await connect({ turnDetection: null, highWaterMark: 0, reconnect: { initialDelayMs: 1, replayBufferBytes: held } });
    await stt.appendAudio(randomBytes(held));
    await stt.commit();
    const marker = Buffer.alloc(3200, 0x55);
    for await (const event of stt) {
      if (event.type === 'reconnecting') {
        while (stt.bufferedAmount === 0) await new Promise((resolve) => setTimeout(resolve, 5));
        const appending = stt.appendAudio(marker).then(() => stt.commit());
        resumeReading();
        await appending;
      }
      if (event.type === 'reconnected') {
        expect(event.replayedBytes).toBe(held + marker.length);
        break;
      }
    }
    const sizes = appended(await within(10_000, 'the replay', received));
    expect(sizes).toEqual([...Array(held / 32000).fill(32000), 'input_audio_buffer.commit', marker.length, 'input_audio_buffer.commit']);
    await stt.close();
  });
});

describe('reconnect attempts', () => {
  /** Each session is created and dropped at once; after the first, upgrades are refused with `status` if given. */
  function dropEvery(refusal?: { status: number; code: string }): void {
    fake.onSession(STT, (peer) => {
      transcriptionSessionCreated(peer);
      if (refusal) fake.refuse(STT, { status: refusal.status, body: errorData('try later', refusal.code) });
      peer.socket.terminate();
    });
  }

  /** The reconnecting events as "attempt error-name", and what the events ended with. */
  async function announcements(stt: RealtimeTranscription): Promise<{ seen: string[]; failure: unknown }> {
    const seen: string[] = [];
    const failure = await rejection(
      (async () => {
        for await (const event of stt) if (event.type === 'reconnecting') seen.push(`${event.attempt} ${event.error.name}`);
      })(),
    );
    return { seen, failure };
  }

  test('an upgrade refused with a 4xx status (a bad key, an unknown model) is not tried again: the session fails with it', async () => {
    dropEvery({ status: 401, code: 'invalid_api_key' });
    const stt = await connect({ reconnect: { maxAttempts: 5, initialDelayMs: 1 } });
    const { seen, failure } = await announcements(stt);
    expect(seen).toEqual(['1 RealtimeClosedError']);
    expect(failure).toBeInstanceOf(AuthenticationError);
    expect(fake.upgrades).toHaveLength(2);
    await expect(stt.appendAudio(Buffer.alloc(2))).rejects.toBe(failure);
    await stt.close();
  });

  test.each([
    [500, InternalServerError],
    [503, ServiceUnavailableError],
    [429, RateLimitError],
  ])('an upgrade refused with %d is tried again up to maxAttempts, each announcement naming the failure before it', async (status, errorClass) => {
    dropEvery({ status, code: 'busy' });
    const stt = await connect({ reconnect: { maxAttempts: 3, initialDelayMs: 1 } });
    const { seen, failure } = await announcements(stt);
    expect(seen).toEqual(['1 RealtimeClosedError', `2 ${errorClass.name}`, `3 ${errorClass.name}`]);
    expect(failure).toBeInstanceOf(errorClass);
    expect(fake.upgrades).toHaveLength(4);
    await stt.close();
  });

  test('attempts are counted from the last transcript: a connection that drops at once does not reset them, one that transcribed does', async () => {
    let sessions = 0;
    fake.onSession(STT, async (peer) => {
      sessions += 1;
      transcriptionSessionCreated(peer);
      if (sessions === 2) await peer.sendFlushed({ type: 'conversation.item.input_audio_transcription.delta', delta: 'a word' });
      if (sessions === 3) await peer.sendFlushed({ type: 'conversation.item.input_audio_transcription.completed', transcript: 'a sentence' });
      peer.socket.terminate();
    });
    const stt = await connect({ reconnect: { maxAttempts: 1, initialDelayMs: 1 } });
    const { seen, failure } = await announcements(stt);
    expect(seen).toEqual(['1 RealtimeClosedError', '1 RealtimeClosedError', '1 RealtimeClosedError']);
    expect(failure).toBeInstanceOf(RealtimeClosedError);
    expect((failure as Error).message).toBe('The realtime connection closed unexpectedly during the session (close code 1006).');
    expect(sessions).toBe(4);
    await stt.close();
  });

  test('a reconnected session that ends before its settings could be sent counts as a failed attempt, and the next one goes on', async () => {
    let sessions = 0;
    fake.onSession(STT, async (peer) => {
      sessions += 1;
      if (sessions === 2) {
        // session.created and the close frame in one packet: the client reads both before it sends the settings.
        peer.tcp.cork();
        transcriptionSessionCreated(peer);
        peer.socket.close(1011, 'overloaded');
        peer.tcp.uncork();
        return;
      }
      transcriptionSessionCreated(peer);
      if (sessions === 1) {
        peer.socket.terminate();
        return;
      }
      expect(await peer.next()).toEqual({ type: 'transcription_session.updated', session: { language: 'en' } });
      peer.send({ type: 'conversation.item.input_audio_transcription.completed', transcript: 'back' });
    });
    const stt = await connect({ language: 'en', reconnect: { initialDelayMs: 1 } });
    const seen: string[] = [];
    for await (const event of stt) {
      seen.push(event.type === 'reconnecting' ? `reconnecting ${event.attempt} ${event.error.name}` : event.type === 'reconnected' ? `reconnected ${event.attempt}` : event.type);
      if (event.type === 'conversation.item.input_audio_transcription.completed') break;
    }
    expect(seen).toEqual(['reconnecting 1 RealtimeClosedError', 'reconnecting 2 RealtimeClosedError', 'reconnected 2', 'conversation.item.input_audio_transcription.completed']);
    expect(sessions).toBe(3);
    await stt.close();
  });

  test('each attempt waits initialDelayMs doubled for each attempt before it', async () => {
    dropEvery();
    const started = Date.now();
    const stt = await connect({ reconnect: { maxAttempts: 2, initialDelayMs: 100 } });
    const { seen } = await announcements(stt);
    const elapsed = Date.now() - started;
    expect(seen).toEqual(['1 RealtimeClosedError', '2 RealtimeClosedError']);
    // 100 ms, then 200 ms; the connections themselves take a few milliseconds on 127.0.0.1.
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(1100);
    await stt.close();
  });

  test('during a reconnect, clear() and updateSession() take effect on the new connection', async () => {
    let sessions = 0;
    const second: ClientMessage[] = [];
    fake.onSession(STT, async (peer) => {
      sessions += 1;
      transcriptionSessionCreated(peer);
      if (sessions === 1) {
        await peer.next();
        peer.socket.terminate();
        return;
      }
      second.push(await peer.next());
      peer.send({ type: 'conversation.item.input_audio_transcription.completed', transcript: 'back' });
    });
    const stt = await connect({ turnDetection: null, reconnect: { initialDelayMs: 50 } });
    await stt.appendAudio(Buffer.alloc(3200, 7));
    const seen: unknown[] = [];
    for await (const event of stt) {
      if (event.type === 'reconnecting') {
        expect(stt.bufferedAmount).toBe(0); // no connection to buffer in
        await stt.clear();
        await stt.updateSession({ prompt: 'Names: Ada.' });
      }
      seen.push(event.type === 'reconnected' ? event : event.type);
      if (event.type === 'conversation.item.input_audio_transcription.completed') break;
    }
    expect(seen).toEqual(['reconnecting', { type: 'reconnected', attempt: 1, replayedBytes: 0 }, 'conversation.item.input_audio_transcription.completed']);
    expect(second).toEqual([{ type: 'transcription_session.updated', session: { prompt: 'Names: Ada.' } }]);
    await stt.close();
  });

  test('a replay sends the audio as it was appended, even if the caller has reused its buffer since', async () => {
    let sessions = 0;
    let replayed: Buffer | undefined;
    fake.onSession(STT, async (peer) => {
      sessions += 1;
      transcriptionSessionCreated(peer);
      if (sessions === 1) {
        await peer.until('input_audio_buffer.commit');
        peer.socket.terminate();
        return;
      }
      replayed = (await audioUntilCommit(peer)).audio;
      peer.send({ type: 'conversation.item.input_audio_transcription.completed', transcript: 'back' });
    });
    const stt = await connect({ turnDetection: null, reconnect: { initialDelayMs: 1 } });
    const pcm = Buffer.alloc(3200, 7);
    await stt.appendAudio(pcm);
    await stt.commit();
    pcm.fill(0);
    for await (const transcript of stt.transcripts()) {
      expect(transcript).toBe('back');
      break;
    }
    expect(replayed?.equals(Buffer.alloc(3200, 7))).toBe(true);
    await stt.close();
  });

  test('a connection that fails (here a binary frame) is reconnected too, the announcement naming the failure', async () => {
    let sessions = 0;
    fake.onSession(STT, async (peer) => {
      sessions += 1;
      transcriptionSessionCreated(peer);
      if (sessions === 1) return peer.socket.send(Buffer.from('{}'), { binary: true });
      await peer.next();
      peer.send({ type: 'conversation.item.input_audio_transcription.completed', transcript: 'back' });
    });
    const stt = await connect({ reconnect: { initialDelayMs: 1 } });
    const seen: string[] = [];
    for await (const event of stt) {
      seen.push(event.type === 'reconnecting' ? `reconnecting ${event.error.name}` : event.type);
      if (event.type === 'reconnected') await stt.appendAudio(Buffer.alloc(320));
      if (event.type === 'conversation.item.input_audio_transcription.completed') break;
    }
    expect(seen).toEqual(['reconnecting RealtimeProtocolError', 'reconnected', 'conversation.item.input_audio_transcription.completed']);
    await stt.close();
  });

  test('maxDelayMs caps the wait before an attempt', async () => {
    dropEvery();
    const stt = await connect({ reconnect: { maxAttempts: 2, initialDelayMs: 60_000, maxDelayMs: 5 } });
    const { seen } = await within(5000, 'two capped reconnects', announcements(stt));
    expect(seen).toEqual(['1 RealtimeClosedError', '2 RealtimeClosedError']);
    await stt.close();
  });

  test('close() while waiting to reconnect stops: no further upgrade, and the reader ends without an error', async () => {
    dropEvery();
    const stt = await connect({ reconnect: { initialDelayMs: 200 } });
    const seen: string[] = [];
    for await (const event of stt) {
      seen.push(event.type);
      await stt.close();
    }
    expect(seen).toEqual(['reconnecting']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.upgrades).toHaveLength(1);
  });

  test('close() while a reconnect waits for its upgrade: the attempt failing after it changes nothing, later calls say the session is closed', async () => {
    fake.onSession(STT, (peer) => {
      transcriptionSessionCreated(peer);
      fake.stall(STT, 'upgrade');
      peer.socket.terminate();
    });
    const stt = await connect({ handshakeTimeoutMs: 150, reconnect: { initialDelayMs: 1 } });
    const seen: string[] = [];
    for await (const event of stt) {
      seen.push(event.type);
      while (fake.upgrades.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      await stt.close();
    }
    expect(seen).toEqual(['reconnecting']);
    await new Promise((resolve) => setTimeout(resolve, 300)); // past the attempt's handshake timeout
    const error = await rejection(stt.appendAudio(Buffer.alloc(2)));
    expect((error as Error).constructor).toBe(TogetherAudioError);
    expect((error as Error).message).toBe('The realtime session is closed; open a new one.');
    expect(fake.upgrades).toHaveLength(2);
  });

  test('close() while a reconnect is connecting closes the new connection once it opens, and replays nothing', async () => {
    let sessions = 0;
    let second: ServerPeer | undefined;
    let release!: () => void;
    const created = new Promise<void>((resolve) => (release = resolve));
    fake.onSession(STT, async (peer) => {
      sessions += 1;
      if (sessions === 1) {
        transcriptionSessionCreated(peer);
        await peer.next();
        peer.socket.terminate();
        return;
      }
      second = peer;
      await created;
      transcriptionSessionCreated(peer);
    });
    const stt = await connect({ turnDetection: null, reconnect: { initialDelayMs: 1 } });
    await stt.appendAudio(Buffer.alloc(3200));
    for await (const event of stt) {
      expect(event.type).toBe('reconnecting');
      while (!second) await new Promise((resolve) => setTimeout(resolve, 5));
      await stt.close();
      release();
    }
    expect(await within(2000, 'the second session closing', (second as ServerPeer).closed)).toMatchObject({ code: 1000 });
    expect((second as ServerPeer).received).toEqual([]);
  });

  test('the reconnect settings are checked before connecting: a TypeError naming the setting', async () => {
    const refused: Array<[unknown, string]> = [
      ['yes', 'reconnect must be true, false or an object of settings, got a string.'],
      [null, 'reconnect must be true, false or an object of settings, got null.'],
      [{ maxAttempts: 0 }, 'reconnect.maxAttempts must be a number of at least 1, got 0.'],
      [{ initialDelayMs: -1 }, 'reconnect.initialDelayMs must be a number of at least 0, got -1.'],
      [{ maxDelayMs: Number.NaN }, 'reconnect.maxDelayMs must be a number of at least 0, got NaN.'],
      [{ maxAttempts: Number.POSITIVE_INFINITY }, 'reconnect.maxAttempts must be a number of at least 1, got Infinity.'],
      [{ replayBufferBytes: 31_998 }, 'reconnect.replayBufferBytes must be an integer of at least 32000, got 31998.'],
      [{ replayBufferBytes: 32_000.5 }, 'reconnect.replayBufferBytes must be an integer of at least 32000, got 32000.5.'],
    ];
    for (const [reconnect, message] of refused) {
      const error = await rejection(connect({ reconnect: reconnect as boolean }));
      expect((error as Error).constructor).toBe(TypeError);
      expect((error as Error).message).toBe(message);
    }
    expect(fake.upgrades).toEqual([]);
    fake.onSession(STT, (peer) => transcriptionSessionCreated(peer));
    for (const reconnect of [true, false, { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0, replayBufferBytes: 32_000 }]) await (await connect({ reconnect })).close();
    expect(fake.upgrades).toHaveLength(3);
  });
});

describe('session settings', () => {
  test('a session that ends before its language and prompt could be sent fails connect with RealtimeClosedError', async () => {
    fake.onSession(STT, (peer) => {
      peer.tcp.cork();
      transcriptionSessionCreated(peer);
      peer.socket.close(1011, 'overloaded');
      peer.tcp.uncork();
    });
    const error = await within(3000, 'connect', rejection(connect({ language: 'en', prompt: 'Names: Ada.' })));
    expect((error as Error).constructor).toBe(RealtimeClosedError);
    expect(fake.peers[0].received).toEqual([]);
  });

  test('updateSession refuses what is not settings with a TypeError saying what it got, before sending', async () => {
    fake.onSession(STT, (peer) => transcriptionSessionCreated(peer));
    const stt = await connect();
    const refused: Array<[unknown, string]> = [
      [null, 'updateSession needs an object such as { turn_detection: null }.'],
      ['en', 'updateSession needs an object such as { turn_detection: null }.'],
      [{ language: ' ' }, 'language must be a non-empty string, got a blank string.'],
      [{ prompt: 42 }, 'prompt must be a string, got 42.'],
    ];
    for (const [session, message] of refused) {
      const error = await rejection(stt.updateSession(session as { language: string }));
      expect((error as Error).constructor).toBe(TypeError);
      expect((error as Error).message).toBe(message);
    }
    await expect(connect({ language: '' })).rejects.toThrow(new TypeError('language must be a non-empty string, got an empty string.'));
    await stt.close();
    expect(fake.peers[0].received).toEqual([]);
  });

  test('a setting passed as undefined to updateSession is left as it was, also for the session a reconnect opens', async () => {
    let sessions = 0;
    const sent: ClientMessage[][] = [[], []];
    fake.onSession(STT, async (peer) => {
      sessions += 1;
      transcriptionSessionCreated(peer);
      const mine = sent[sessions - 1];
      if (sessions === 1) {
        mine.push(await peer.next(), await peer.next());
        peer.socket.terminate();
        return;
      }
      mine.push(await peer.next());
      peer.send({ type: 'conversation.item.input_audio_transcription.completed', transcript: 'back' });
    });
    const stt = await connect({ language: 'de', reconnect: { initialDelayMs: 1 } });
    await stt.updateSession({ language: undefined, prompt: 'Grüezi' });
    for await (const transcript of stt.transcripts()) {
      expect(transcript).toBe('back');
      break;
    }
    expect(sent).toEqual([
      [
        { type: 'transcription_session.updated', session: { language: 'de' } },
        { type: 'transcription_session.updated', session: { prompt: 'Grüezi' } },
      ],
      [{ type: 'transcription_session.updated', session: { language: 'de', prompt: 'Grüezi' } }],
    ]);
    await stt.close();
  });

  test('after a reconnect the settings given so far are sent again, and commits follow the latest turn_detection', async () => {
    let sessions = 0;
    const resent: ClientMessage[] = [];
    fake.onSession(STT, async (peer) => {
      sessions += 1;
      transcriptionSessionCreated(peer);
      if (sessions === 1) {
        await peer.until('input_audio_buffer.commit');
        await peer.until('input_audio_buffer.commit');
        // Manual commits now: this transcript covers the first commit's audio only.
        await peer.sendFlushed({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_1', transcript: 'first' });
        peer.socket.terminate();
        return;
      }
      const { event, before } = await peer.until('input_audio_buffer.commit');
      resent.push(...before, event);
      peer.send({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_2', transcript: 'second' });
    });
    const stt = await connect({ language: 'de', reconnect: { initialDelayMs: 10 } });
    await stt.updateSession({ prompt: 'Grüezi' });
    await stt.updateSession({ turn_detection: null });
    await stt.appendAudio(Buffer.alloc(3200, 1));
    await stt.commit();
    await stt.appendAudio(Buffer.alloc(1600, 2));
    await stt.commit();
    const transcripts: string[] = [];
    for await (const transcript of stt.transcripts()) {
      transcripts.push(transcript);
      if (transcript === 'second') break;
    }
    expect(transcripts).toEqual(['first', 'second']);
    expect(resent.map((event) => (event.type === 'input_audio_buffer.append' ? Buffer.from(event.audio as string, 'base64') : event))).toEqual([
      { type: 'transcription_session.updated', session: { language: 'de', prompt: 'Grüezi', turn_detection: null } },
      Buffer.alloc(1600, 2),
      { type: 'input_audio_buffer.commit' },
    ]);
    await stt.close();
  });

  test('updates() gives an utterance that failed, named by its item or its event, as failed with the RealtimeError, and drops its partial text', async () => {
    const decodeFailed = { message: 'Decoding failed', type: 'server_error', param: null, code: 'decode_failed' };
    fake.onSession(STT, async (peer) => {
      transcriptionSessionCreated(peer);
      await peer.next();
      peer.send({ type: 'transcription_session.updated', session: {} });
      peer.send({ type: 'conversation.item.input_audio_transcription.delta', item_id: 'item_1', delta: 'Hel' });
      peer.send({ type: 'conversation.item.input_audio_transcription.failed', item_id: 'item_1', error: decodeFailed });
      peer.send({ type: 'conversation.item.input_audio_transcription.failed', event_type: 'completed', error: decodeFailed });
      peer.send({ type: 'conversation.item.input_audio_transcription.completed', transcript: 'unnamed' });
    });
    const stt = await connect();
    await stt.appendAudio(Buffer.alloc(320));
    const updates = [];
    for await (const update of stt.updates()) {
      updates.push(update);
      if (update.type === 'final') break;
      if (update.type === 'failed') expect(update.error).toMatchObject({ constructor: RealtimeError, code: 'decode_failed', message: 'Decoding failed (code decode_failed)' });
    }
    expect(updates).toEqual([
      { type: 'partial', itemId: 'item_1', text: 'Hel' },
      { type: 'failed', itemId: 'item_1', error: expect.any(RealtimeError) },
      { type: 'failed', itemId: undefined, error: expect.any(RealtimeError) },
      { type: 'final', itemId: '', text: 'unnamed' },
    ]);
    expect(stt.partials.size).toBe(0);
    await stt.appendAudio(Buffer.alloc(320));
    await stt.close();
  });
});
