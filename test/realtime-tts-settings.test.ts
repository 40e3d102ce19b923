import type { RealtimeTTSSessionOptions } from '../src';
import { useFakeRealtime } from './support/realtime-session';
import { sessionCreated } from './support/tts-script';

const TTS = '/audio/speech/websocket';
const { fake, tts: connect } = useFakeRealtime();

describe('a bad session setting is a TypeError naming the setting, what it must be and what was given, before any I/O', () => {
  test.each<[RealtimeTTSSessionOptions, string]>([
    [{ voice: '' }, 'voice must be a non-empty string, got "".'],
    [{ language: '  ' }, 'language must be a non-empty string, got "  ".'],
    [{ voice: 7 as unknown as string }, 'voice must be a non-empty string, got 7.'],
    [{ maxPartialLength: 0 }, 'maxPartialLength must be a positive integer, got 0.'],
    [{ maxPartialLength: 2.5 }, 'maxPartialLength must be a positive integer, got 2.5.'],
    [{ maxPartialLength: '250' as unknown as number }, 'maxPartialLength must be a positive integer, got "250".'],
    [{ speed: -1 }, 'speed must be a positive number, got -1.'],
    [{ speed: Number.POSITIVE_INFINITY }, 'speed must be a positive number, got Infinity.'],
    [{ speed: Number.NaN }, 'speed must be a positive number, got NaN.'],
    [{ speed: '1.5' as unknown as number }, 'speed must be a positive number, got "1.5".'],
    [{ sampleRate: -24000 }, 'sampleRate must be a positive integer (samples per second), got -24000.'],
    [{ responseFormat: 'ogg' as 'mp3' }, 'responseFormat must be one of mp3, opus, aac, flac, wav, pcm, got "ogg".'],
    [{ responseFormat: 3 as unknown as 'mp3' }, 'responseFormat must be one of mp3, opus, aac, flac, wav, pcm, got 3.'],
    [{ alignment: 'WORD' as 'word' }, 'alignment must be one of none, word, got "WORD".'],
    [{ segment: '' as 'never' }, 'segment must be one of sentence, immediate, never, got "".'],
    [{ extraParams: null as unknown as Record<string, unknown> }, 'extraParams must be a plain object, got null.'],
    [{ extraParams: 'pronunciation' as unknown as Record<string, unknown> }, 'extraParams must be a plain object, got "pronunciation".'],
  ])('connect(%p)', async (options, message) => {
    const failure = await connect(options).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as Error).message).toBe(message);
    expect(fake.upgrades).toEqual([]);
  });

  test.each([
    [{ maxContexts: 0 }, 'maxContexts must be an integer from 1 to 100, got 0.'],
    [{ maxContexts: 2.5 }, 'maxContexts must be an integer from 1 to 100, got 2.5.'],
    [{ maxContexts: 101 }, 'maxContexts must be an integer from 1 to 100, got 101.'],
    [{ model: '' }, 'model must be a non-empty string, got an empty string.'],
  ])('connect(%p)', async (options, message) => {
    await expect(connect(options)).rejects.toThrow(new TypeError(message));
    expect(fake.upgrades).toEqual([]);
  });

  test('updateSession names the wire field, and refuses what is not an object of settings, without sending anything', async () => {
    fake.onSession(TTS, (peer) => sessionCreated(peer));
    const tts = await connect();
    await expect(tts.updateSession({ sample_rate: 0 })).rejects.toThrow(new TypeError('sample_rate must be a positive integer (samples per second), got 0.'));
    await expect(tts.updateSession({ max_partial_length: -5 })).rejects.toThrow(new TypeError('max_partial_length must be a positive integer, got -5.'));
    await expect(tts.updateSession({ response_format: 'ogg' as 'mp3' })).rejects.toThrow(new TypeError('response_format must be one of mp3, opus, aac, flac, wav, pcm, got "ogg".'));
    const notAnObject = "TTS session settings must be an object such as { voice: 'tara' }, got";
    await expect(tts.updateSession(null as unknown as object)).rejects.toThrow(new TypeError(`${notAnObject} null.`));
    await expect(tts.updateSession([] as unknown as object)).rejects.toThrow(new TypeError(`${notAnObject} an instance of Array.`));
    await expect(tts.updateSession('tara' as unknown as object)).rejects.toThrow(new TypeError(`${notAnObject} a string.`));
    expect(tts.format).toEqual({ responseFormat: 'pcm', pcm: { encoding: 'pcm_s16le', sampleRate: 24000, channels: 1 } });
    await tts.close();
    expect(fake.peers[0].received).toEqual([]);
  });
});

test('the smallest valid values are accepted and sent; settings left undefined are not sent at all', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    expect(await peer.next()).toEqual({ type: 'tts_session.updated', session: { speed: 2 } });
  });
  const tts = await connect({ voice: 'x', maxPartialLength: 1, speed: 0.01, sampleRate: 1, language: undefined, extraParams: undefined, maxContexts: 1 });
  expect(Object.fromEntries(fake.upgrades[0].url.searchParams)).toEqual({ voice: 'x', max_partial_length: '1', speed: '0.01', sample_rate: '1' });
  await tts.updateSession({ voice: undefined, speed: 2 });
  await fake.scriptsFinished();
  await tts.close();
});

test('a session field this client does not know is passed through unchecked, for settings newer than the client', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    expect(await peer.next()).toEqual({ type: 'tts_session.updated', session: { emotion: '', voice: 'leo' } });
  });
  const tts = await connect();
  await tts.updateSession({ emotion: '', voice: 'leo' } as object);
  await fake.scriptsFinished();
  await tts.close();
});

test('the audio format follows response_format and sample_rate as they are updated', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    for (;;) if ((await peer.next().catch(() => undefined)) === undefined) return;
  });
  const tts = await connect({ sampleRate: 8000 });
  expect(fake.upgrades[0].url.searchParams.has('extra_params')).toBe(false);
  expect(fake.upgrades[0].url.searchParams.has('model')).toBe(false);
  expect(tts.format).toEqual({ responseFormat: 'pcm', pcm: { encoding: 'pcm_s16le', sampleRate: 8000, channels: 1 } });
  await tts.updateSession({ speed: 1.1 });
  expect(tts.format.pcm?.sampleRate).toBe(8000);
  await tts.updateSession({ response_format: 'opus' });
  expect(tts.format).toEqual({ responseFormat: 'opus', pcm: undefined });
  await tts.updateSession({ response_format: 'pcm', sample_rate: 44100 });
  expect(tts.format).toEqual({ responseFormat: 'pcm', pcm: { encoding: 'pcm_s16le', sampleRate: 44100, channels: 1 } });
  // A turn keeps the format of the session when it started.
  const turn = tts.speak('Later.');
  await tts.updateSession({ response_format: 'wav' });
  expect(turn.format.responseFormat).toBe('pcm');
  expect(tts.speak('Now.').format).toEqual({ responseFormat: 'wav', pcm: undefined });
  await tts.close();
});
