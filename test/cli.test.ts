import { execFileSync } from 'node:child_process';
import { chmodSync, createReadStream, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { parseSync, type NodeCue } from 'subtitle';
import { WebVTTParser } from 'webvtt-parser';
import { LOCAL_API_KEY, LOCAL_VOICES, localSpeech, startLocalTogetherServer, type LocalTogetherServer } from '../examples/local-together-server';
import { tone } from '../examples/local-realtime-server';
import { version } from '../package.json';
import { pcmToWav } from '../src/wav';
import { lazyCli, runCli, runInTerminal, shellQuote, type CliResult, type CliRunOptions } from './support/cli';
import { parseMultipart, readJson, sendError, sendJson } from './support/fake-together';
import { FakeRealtime } from './support/fake-realtime';
import { parseWav } from './support/wav-reader';
import { transcriptionSessionCreated } from './support/realtime-session';

jest.setTimeout(60_000);

const CONVERT_ADVICE = 'convert it first, e.g. ffmpeg -i IN -ar 16000 -ac 1 OUT.wav (transcribe takes MP3, M4A, WebM and FLAC files as they are).';

const cli = lazyCli();
let server: LocalTogetherServer;
let dir: string;

beforeAll(async () => {
  server = await startLocalTogetherServer();
});

afterAll(async () => {
  await server?.close();
  await cli.remove();
});

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'together-audio-cli-'));
});

afterEach(async () => {
  rmSync(dir, { recursive: true, force: true });
  await server.close().catch(() => undefined);
  server = await startLocalTogetherServer();
});

/** The environment a user has: the key in TOGETHER_API_KEY, no base URL variable. */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TOGETHER_API_KEY: LOCAL_API_KEY };
  return { ...base, ...extra };
}

function run(args: string[], options: { stdin?: CliRunOptions['stdin']; env?: NodeJS.ProcessEnv; interrupt?: AbortSignal } = {}): Promise<CliResult> {
  return runCli(cli, args, { cwd: dir, env: options.env ?? env(), stdin: options.stdin, interrupt: options.interrupt });
}

/** `args` with the local server's base URL. */
function local(...args: string[]): string[] {
  return [...args, '--base-url', server.baseURL];
}

/** Under a terminal; `stdoutTo` redirects stdout to that file. */
function inTerminal(args: string[], options: { env?: NodeJS.ProcessEnv; stdoutTo?: string } = {}): Promise<CliResult> {
  return runInTerminal(cli, args, { cwd: dir, env: options.env ?? env(), stdoutTo: options.stdoutTo });
}

const file = (name: string) => path.join(dir, name);

/** `args` failed as a usage error: exit code 2, and stderr is `message` with the pointer to --help. */
async function expectUsageError(args: string[], message: string | RegExp): Promise<void> {
  const result = await run(local(...args));
  expect([args, result.code, result.stdout.length]).toEqual([args, 2, 0]);
  const [line, hint, end] = result.stderr.split('\n');
  expect([args, hint, end]).toEqual([args, 'Run `together-audio --help` for usage.', '']);
  if (typeof message === 'string') expect(line).toBe(`together-audio: ${message}`);
  else expect(line).toMatch(message);
}

/**
 * Installs fake players in a new bin folder: each records its name and arguments in played.log and
 * exits with `exit` (a code, or a signal it kills itself with). Returns the environment whose PATH
 * holds them and node, nothing else.
 */
function withPlayers(names: string[], exit: number | NodeJS.Signals = 0): NodeJS.ProcessEnv {
  const bin = mkdtempSync(file('bin-'));
  const end = typeof exit === 'number' ? `exit ${exit}` : `kill -${exit.replace(/^SIG/, '')} $$`;
  for (const name of names) {
    writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> ${shellQuote(file('played.log'))}\n${end}\n`);
    chmodSync(path.join(bin, name), 0o755);
  }
  return env({ PATH: `${bin}:${path.dirname(process.execPath)}` });
}

const DEFAULTS = { model: 'hexgrad/Kokoro-82M', voice: 'af_heart' };

function srtCues(text: string) {
  return parseSync(text)
    .filter((node): node is NodeCue => node.type === 'cue')
    .map(({ data }) => data);
}

describe('speak', () => {
  test('-o hello.wav writes exactly the bytes the server sent, with the default model and voice', async () => {
    const result = await run(local('speak', 'Hello there!', '-o', 'hello.wav'));
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.length).toBe(0);
    expect(readFileSync(file('hello.wav')).equals(localSpeech({ ...DEFAULTS, input: 'Hello there!', response_format: 'wav' }).body)).toBe(true);
    const request = server.fake.requests.at(-1)!;
    expect([request.method, request.url.pathname, request.headers.authorization, request.headers.accept]).toEqual([
      'POST',
      '/v1/audio/speech',
      `Bearer ${LOCAL_API_KEY}`,
      'audio/wav',
    ]);
  });

  test('the format follows the extension (.mp3, .raw), and --format overrides it; --model and --voice are sent', async () => {
    const speech = { model: 'canopylabs/orpheus-3b-0.1-ft', voice: 'tara', input: 'Hi' };
    const opts = ['--model', speech.model, '--voice', speech.voice];
    expect((await run(local('speak', 'Hi', '-o', 'a.mp3', ...opts))).code).toBe(0);
    expect(readFileSync(file('a.mp3')).equals(localSpeech({ ...speech, response_format: 'mp3' }).body)).toBe(true);
    expect((await run(local('speak', 'Hi', '-o', 'a.raw', ...opts))).code).toBe(0);
    expect(readFileSync(file('a.raw')).equals(localSpeech({ ...speech, response_format: 'raw' }).body)).toBe(true);
    expect((await run(local('speak', 'Hi', '-o', 'audio.bin', '--format', 'wav', ...opts))).code).toBe(0);
    expect(readFileSync(file('audio.bin')).equals(localSpeech({ ...speech, response_format: 'wav' }).body)).toBe(true);
    expect(server.fake.requests.map((r) => r.headers.accept)).toEqual(['audio/mpeg', 'application/octet-stream', 'audio/wav']);
  });

  test('without -o the audio goes to a piped stdout; text comes from stdin or -f', async () => {
    const piped = await run(local('speak'), { stdin: 'Text from stdin.\n' });
    expect(piped.code).toBe(0);
    expect(piped.stdout.equals(localSpeech({ ...DEFAULTS, input: 'Text from stdin.', response_format: 'wav' }).body)).toBe(true);

    writeFileSync(file('script.txt'), 'Text from a file.');
    const fromFile = await run(local('speak', '-f', 'script.txt', '--format', 'raw'));
    expect(fromFile.stdout.equals(localSpeech({ ...DEFAULTS, input: 'Text from a file.', response_format: 'raw' }).body)).toBe(true);
  });

  test('--stream writes the streamed PCM: raw or WAV to stdout, or a WAV file whose header has the real sizes', async () => {
    const { pcm, format } = localSpeech({ ...DEFAULTS, input: 'Streaming is fun.', response_format: 'raw' });
    const raw = await run(local('speak', 'Streaming is fun.', '--stream'));
    expect(raw.code).toBe(0);
    expect(raw.stdout.equals(pcm)).toBe(true);

    expect((await run(local('speak', 'Streaming is fun.', '--stream', '-o', 'streamed.wav'))).code).toBe(0);
    const wav = readFileSync(file('streamed.wav'));
    expect(wav.equals(pcmToWav(pcm, format))).toBe(true);
    expect(parseWav(wav)).toMatchObject({ sampleRate: 24000, channels: 1, bitsPerSample: 16, dataSize: pcm.length });

    // Piped, the WAV header goes first, before the sizes are known.
    const piped = await run(local('speak', 'Streaming is fun.', '--stream', '--format', 'wav'));
    expect([piped.code, piped.stdout.toString('latin1', 0, 4), piped.stdout.subarray(8, 36).equals(wav.subarray(8, 36))]).toEqual([0, 'RIFF', true]);
    expect(piped.stdout.subarray(44).equals(pcm)).toBe(true);
    expect(server.fake.requests.map((r) => r.headers.accept)).toEqual(['text/event-stream', 'text/event-stream', 'text/event-stream']);
  });

  test('--json describes the file written', async () => {
    const result = await run(local('speak', 'Hello there!', '-o', 'hello.wav', '--json'));
    const body = localSpeech({ ...DEFAULTS, input: 'Hello there!', response_format: 'wav' }).body;
    expect(JSON.parse(result.stdout.toString())).toEqual({
      path: 'hello.wav',
      format: 'wav',
      bytes: body.length,
      seconds: 0.6,
      request_id: 'local-speech',
      played: false,
    });
  });

  test('--play plays the audio through the first player on PATH, and says clearly when there is none', async () => {
    const bin = file('bin');
    mkdirSync(bin);
    const log = file('played.log');
    writeFileSync(path.join(bin, 'aplay'), `#!/bin/sh\necho "$@" > ${shellQuote(log)}\ncat "$2" >> ${shellQuote(log)}.audio\n`);
    chmodSync(path.join(bin, 'aplay'), 0o755);
    const played = await run(local('speak', 'Hello there!', '--play'), { env: env({ PATH: `${bin}:${path.dirname(process.execPath)}` }) });
    expect(played).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(log, 'utf8')).toMatch(/^-q \/.*together-audio-.*\/speech\.wav\n$/);
    expect(readFileSync(`${log}.audio`).equals(localSpeech({ ...DEFAULTS, input: 'Hello there!', response_format: 'wav' }).body)).toBe(true);

    const none = await run(local('speak', 'Hello there!', '--play'), { env: env({ PATH: path.dirname(process.execPath) }) });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/No audio player found for --play: install ffmpeg \(ffplay\) or alsa-utils \(aplay\)/);
    expect(server.fake.requests).toHaveLength(1); // nothing was sent for the second
  });

  test('--json gives the seconds of audio: exact for WAV and raw, estimated at 128 kbit/s for mp3, counted as PCM when streamed', async () => {
    const speech = (format: 'wav' | 'mp3' | 'raw') => localSpeech({ ...DEFAULTS, input: 'Hello there!', response_format: format });
    const json = async (...args: string[]) => {
      const result = await run(local('speak', 'Hello there!', '--json', ...args));
      expect([args, result.code, result.stderr]).toEqual([args, 0, '']);
      return JSON.parse(result.stdout.toString());
    };
    const raw = speech('raw').body.length;
    expect(await json('-o', 'a.raw')).toEqual({ path: 'a.raw', format: 'raw', bytes: raw, seconds: 0.6, request_id: 'local-speech', played: false });
    const mp3 = speech('mp3').body.length;
    expect(await json('-o', 'a.mp3')).toMatchObject({ format: 'mp3', bytes: mp3, seconds: Math.round((mp3 * 8) / 128) / 1000 });
    expect(await json('--stream', '-o', 's.wav')).toMatchObject({ path: 's.wav', format: 'wav', bytes: raw + 44, seconds: 0.6 });
    expect(await json('--stream', '-o', 's.pcm')).toMatchObject({ format: 'raw', bytes: raw, seconds: 0.6 });
  });

  test('--play picks the first player that can play the format, telling it the layout of raw PCM; a failing, killed or unstartable player exits 1', async () => {
    /** What the player was run with; TMP is the temporary folder of a --play without -o, gone afterwards. */
    const played = async (players: string[], ...args: string[]) => {
      rmSync(file('played.log'), { force: true });
      const result = await run(local('speak', 'Hello there!', '--play', ...args), { env: withPlayers(players) });
      expect([players, args, result.code, result.stderr]).toEqual([players, args, 0, '']);
      const log = readFileSync(file('played.log'), 'utf8');
      const temp = /\/\S*\/together-audio-\w+\//.exec(log)?.[0];
      expect([args, temp !== undefined && existsSync(temp)]).toEqual([args, false]); // removed once played
      return temp === undefined ? log : log.replace(temp, 'TMP/');
    };
    expect(await played(['ffplay', 'aplay', 'afplay'])).toBe('ffplay -nodisp -autoexit -loglevel error TMP/speech.wav\n');
    expect(await played(['ffplay', 'aplay'], '--format', 'raw')).toBe('ffplay -nodisp -autoexit -loglevel error -f s16le -ar 24000 -ac 1 TMP/speech.raw\n');
    // Streamed into a WAV file, the file has its header: no raw layout flags.
    expect(await played(['ffplay'], '--stream', '--format', 'wav')).toBe('ffplay -nodisp -autoexit -loglevel error TMP/speech.wav\n');
    expect(await played(['aplay', 'afplay'], '--format', 'raw')).toBe('aplay -q -t raw -f S16_LE -r 24000 -c 1 TMP/speech.raw\n');
    expect(await played(['aplay', 'afplay'], '--format', 'mp3')).toBe('afplay TMP/speech.mp3\n');
    expect(await played(['afplay'])).toBe('afplay TMP/speech.wav\n');
    expect(await played(['aplay'], '-o', 'kept.wav', '--json')).toBe('aplay -q kept.wav\n');
    expect(existsSync(file('kept.wav'))).toBe(true);

    for (const [players, format] of [
      [['aplay'], 'mp3'],
      [['afplay'], 'raw'],
    ] as const) {
      const none = await run(local('speak', 'Hello there!', '--play', '--format', format), { env: withPlayers([...players]) });
      expect([format, none.code]).toEqual([format, 1]);
    }
    // Only an executable file counts, and an empty PATH entry does not make the current folder one to search.
    const notExecutable = withPlayers(['aplay']);
    chmodSync(path.join(notExecutable.PATH!.split(':')[0], 'aplay'), 0o644);
    expect((await run(local('speak', 'Hello there!', '--play'), { env: notExecutable })).code).toBe(1);
    const inCwd = withPlayers(['aplay']);
    writeFileSync(file('aplay'), readFileSync(path.join(inCwd.PATH!.split(':')[0], 'aplay')), { mode: 0o755 });
    expect((await run(local('speak', 'Hello there!', '--play'), { env: { ...inCwd, PATH: `:${path.dirname(process.execPath)}` } })).code).toBe(1);
    const failing = await run(local('speak', 'Hello there!', '--play'), { env: withPlayers(['aplay'], 3) });
    expect([failing.code, failing.stderr]).toEqual([1, 'together-audio: aplay exited with code 3.\n']);
    const killed = await run(local('speak', 'Hello there!', '--play'), { env: withPlayers(['aplay'], 'SIGTERM') });
    expect([killed.code, killed.stderr]).toEqual([1, 'together-audio: aplay exited with SIGTERM.\n']);
    // A player that cannot be started (its interpreter is missing) is named.
    const broken = withPlayers(['aplay']);
    writeFileSync(path.join(broken.PATH!.split(':')[0], 'aplay'), '#!/no/such/interpreter\n');
    const unstartable = await run(local('speak', 'Hello there!', '--play'), { env: broken });
    expect([unstartable.code, unstartable.stderr]).toEqual([1, 'together-audio: The player aplay could not be started (spawn aplay ENOENT).\n']);
    // No PATH at all: no player.
    const noPath = await run(local('speak', 'Hello there!', '--play'), { env: env({ PATH: undefined }) });
    expect([noPath.code, noPath.stderr]).toEqual([1, expect.stringContaining('No audio player found for --play')]);
  });

  test('--play --json reports the audio as played, with no path when no file was asked for', async () => {
    const result = await run(local('speak', 'Hello there!', '--play', '--json'), { env: withPlayers(['aplay']) });
    expect(JSON.parse(result.stdout.toString())).toMatchObject({ path: null, format: 'wav', played: true });
  });

  test('text is trimmed; unquoted words are one text; -f - reads stdin; a text file that cannot be read is bad input, named', async () => {
    await run(local('speak', '  Hello there!\n', '-o', 'a.wav'));
    await run(local('speak', '-f', '-', '-o', 'b.wav'), { stdin: 'Hello there!' });
    await run(local('speak', 'Hello', 'there!', '-o', 'words.wav'));
    const body = localSpeech({ ...DEFAULTS, input: 'Hello there!', response_format: 'wav' }).body;
    expect(['a.wav', 'b.wav', 'words.wav'].map((name) => readFileSync(file(name)).equals(body))).toEqual([true, true, true]);
    const missing = await run(local('speak', '-f', 'gone.txt', '-o', 'c.wav'));
    expect([missing.code, missing.stderr]).toEqual([3, 'together-audio: Cannot read the text file "gone.txt" (ENOENT).\n']);
    const empty = await run(local('speak', '-o', 'c.wav'), { stdin: ' \n' });
    expect([empty.code, empty.stderr]).toEqual([3, 'together-audio: The text to speak is empty.\n']);
    expect(server.fake.requests).toHaveLength(3);
  });

  test('a malformed speech stream is a server failure (6), into a file (not left behind) or a piped stdout', async () => {
    server.fake.route('POST /audio/speech', (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: {"this is": not JSON\n\n');
    });
    const toFile = await run(local('speak', 'Hello there!', '--stream', '-o', 's.raw'));
    expect([toFile.code, toFile.stderr, existsSync(file('s.raw'))]).toEqual([6, expect.stringMatching(/^together-audio: /), false]);
    const piped = await run(local('speak', 'Hello there!', '--stream'));
    expect([piped.code, piped.stdout.length, piped.stderr]).toEqual([6, 0, toFile.stderr]);
  });

  test('--language is sent; a body that breaks off mid-download exits 7 and leaves no partial file', async () => {
    let language: unknown;
    server.fake.route('POST /audio/speech', async (req, res) => {
      language = ((await readJson(req)) as { language?: unknown }).language;
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.write(Buffer.alloc(4096), () => res.destroy());
    });
    const result = await run(local('speak', 'Hallo', '--language', 'de', '-o', 'partial.wav'));
    expect([result.code, language, existsSync(file('partial.wav'))]).toEqual([7, 'de', false]);
  });

  test('-o naming something other than a regular file (a named pipe, /dev/null) is not removed when the call fails', async () => {
    execFileSync('mkfifo', [file('pipe.wav')]);
    server.fake.route('POST /audio/speech', (req, res) => {
      req.resume();
      sendError(res, 422, 'voice "nobody" does not exist', { param: 'voice' });
    });
    const reader = buffer(createReadStream(file('pipe.wav')));
    const result = await run(local('speak', 'hi', '--voice', 'nobody', '-o', 'pipe.wav'));
    expect([result.code, result.stderr]).toEqual([3, expect.stringContaining('voice "nobody" does not exist')]);
    expect((await reader).length).toBe(0);
    expect(lstatSync(file('pipe.wav')).isFIFO()).toBe(true);
  });
});

describe('transcribe and translate', () => {
  const wav = () => {
    writeFileSync(file('meeting.wav'), pcmToWav(tone(440, 2, 16000), { encoding: 'pcm_s16le', sampleRate: 16000, channels: 1 }));
    return 'meeting.wav';
  };

  test('plain text by default, from a file or from stdin with "-"', async () => {
    const fromFile = await run(local('transcribe', wav()));
    expect(fromFile).toMatchObject({ code: 0, stderr: '' });
    expect(fromFile.stdout.toString()).toBe('This is the local stand-in for Together. It heard 2.00 seconds of audio in meeting.wav.\n');

    const fromStdin = await run(local('transcribe', '-'), { stdin: readFileSync(file('meeting.wav')) });
    expect(fromStdin.stdout.toString()).toBe('This is the local stand-in for Together. It heard 2.00 seconds of audio in audio.\n');
  });

  test("--format srt is valid SubRip with the segments' times", async () => {
    const result = await run(local('transcribe', wav(), '--format', 'srt'));
    expect(result.code).toBe(0);
    const text = result.stdout.toString();
    expect(text).toMatch(/^1\n00:00:00,000 --> 00:00:00,\d{3}\nThis is the local stand-in for Together\.\n\n2\n/);
    const cues = srtCues(text);
    expect(cues.map((cue) => cue.text)).toEqual(['This is the local stand-in for Together.', 'It heard 2.00 seconds of audio in\nmeeting.wav.']);
    expect(cues.at(-1)!.end).toBe(2000);
  });

  test('--format vtt with --timestamps word --diarize: valid WebVTT with speaker voices, written with -o', async () => {
    const result = await run(local('transcribe', wav(), '--format', 'vtt', '--timestamps', 'word', '--diarize', '-o', 'meeting.vtt'));
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const parsed = new WebVTTParser().parse(readFileSync(file('meeting.vtt'), 'utf8'), 'subtitles');
    expect(parsed.errors).toEqual([]);
    expect(parsed.cues.map((cue) => cue.tree.children[0].value)).toEqual(['SPEAKER_00', 'SPEAKER_01']);
    expect(parsed.cues.at(-1)!.endTime).toBe(2);
  });

  test("verbose_json and --json give the API's JSON", async () => {
    const verbose = JSON.parse((await run(local('transcribe', wav(), '--format', 'verbose_json', '--timestamps', 'word'))).stdout.toString());
    expect(verbose).toMatchObject({ task: 'transcribe', duration: 2, segments: expect.any(Array), words: expect.any(Array) });
    const json = JSON.parse((await run(local('translate', wav(), '--json'))).stdout.toString());
    expect(json).toEqual({ text: 'This is the local stand-in for Together. It heard 2.00 seconds of audio in meeting.wav.' });
    expect(server.fake.requests.map((r) => r.url.pathname)).toEqual(['/v1/audio/transcriptions', '/v1/audio/translations']);
  });

  test('--json goes with --format json or verbose_json, which it keeps', async () => {
    const json = await run(local('transcribe', wav(), '--json', '--format', 'json'));
    expect(JSON.parse(json.stdout.toString())).toEqual({ text: expect.any(String) });
    const verbose = await run(local('transcribe', wav(), '--json', '--format', 'verbose_json'));
    expect(JSON.parse(verbose.stdout.toString())).toMatchObject({ task: 'transcribe', segments: expect.any(Array) });
  });

  test('a URL is sent for the server to fetch', async () => {
    const result = await run(local('translate', 'https://example.com/talk.mp3'));
    expect(result.stdout.toString()).toContain('audio in https://example.com/talk.mp3.');
  });

  test('--model, --language, --diarize and --timestamps are sent; text output is the trimmed text on one line', async () => {
    const sent: Array<Record<string, string[]>> = [];
    const answer = { task: 'transcribe', language: 'de', duration: 2, text: '  Guten Tag.\n', segments: [] };
    server.fake.route('POST /audio/transcriptions', async (req, res) => {
      sent.push((await parseMultipart(req)).fields);
      sendJson(res, 200, answer);
    });
    server.fake.route('POST /audio/translations', async (req, res) => {
      sent.push((await parseMultipart(req)).fields);
      sendJson(res, 200, answer);
    });
    const verbose = await run(
      local('transcribe', wav(), '--format', 'verbose_json', '--timestamps', 'word', '--diarize', '--language', 'de', '--model', 'm/x'),
    );
    expect(JSON.parse(verbose.stdout.toString())).toEqual(answer);
    expect((await run(local('transcribe', wav(), '--format', 'srt'))).code).toBe(0);
    expect((await run(local('translate', wav(), '--json'))).code).toBe(0);
    expect((await run(local('transcribe', wav()))).stdout.toString()).toBe('Guten Tag.\n');
    expect(sent).toEqual([
      { model: ['m/x'], language: ['de'], response_format: ['verbose_json'], timestamp_granularities: ['segment', 'word'], diarize: ['true'] },
      { response_format: ['verbose_json'], timestamp_granularities: ['segment'] },
      { response_format: ['json'] },
      { response_format: ['json'] },
    ]);
  });
});

describe('voices', () => {
  test('a table by default, JSON with --json, one model with --model', async () => {
    const table = (await run(local('voices'))).stdout.toString().split('\n');
    expect(table[0]).toMatch(/^MODEL\s+VOICE\s+ID$/);
    expect(table).toContain('canopylabs/orpheus-3b-0.1-ft  tara               orpheus-tara');
    expect(table).toHaveLength(LOCAL_VOICES.data.flatMap((m) => m.voices).length + 2);

    expect(JSON.parse((await run(local('voices', '--json'))).stdout.toString())).toEqual(LOCAL_VOICES);
    const one = (await run(local('voices', '--model', 'cartesia/sonic'))).stdout.toString();
    expect(
      one
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(/\s{2,}/)[1]),
    ).toEqual(['friendly sidekick', 'calm lady']);
  });

  test('--model matches whatever the case; a model without voices is bad input, naming the models that have some', async () => {
    const sonic = await run(local('voices', '--model', 'Cartesia/Sonic', '--json'));
    expect(JSON.parse(sonic.stdout.toString())).toEqual({ data: LOCAL_VOICES.data.filter((entry) => entry.model === 'cartesia/sonic') });
    const kokoro = await run(local('voices', '--model', 'hexgrad/kokoro-82m', '--json'));
    expect(JSON.parse(kokoro.stdout.toString())).toEqual({ data: LOCAL_VOICES.data.filter((entry) => entry.model === 'hexgrad/Kokoro-82M') });
    const none = await run(local('voices', '--model', 'nobody/tts'));
    expect([none.code, none.stdout.length, none.stderr]).toEqual([
      3,
      0,
      `together-audio: No voices for model "nobody/tts". Models with voices: ${LOCAL_VOICES.data.map((entry) => entry.model).join(', ')}.\n`,
    ]);
  });
});

describe('listen', () => {
  test('a 24 kHz WAV is converted to 16 kHz PCM and its transcript printed', async () => {
    writeFileSync(file('hello.wav'), pcmToWav(tone(300, 1.5, 24000), { encoding: 'pcm_s16le', sampleRate: 24000, channels: 1 }));
    const result = await run(local('listen', 'hello.wav'));
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.toString()).toBe('I heard 1.50 seconds of audio.\n');
  });

  test('raw PCM from stdin, --no-vad, --json prints one object per transcript', async () => {
    const result = await run(local('listen', '-', '--no-vad', '--json'), { stdin: tone(300, 0.75, 16000) });
    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toBe('{"transcript":"I heard 0.75 seconds of audio."}\n');
  });

  test('audio it cannot send is bad input, named from its header before anything connects', async () => {
    writeFileSync(file('song.mp3'), Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00 not really', 'latin1'));
    writeFileSync(file('clip.wav'), Buffer.from('RIFF\x24\x00\x00\x00AVI LIST', 'latin1'));
    const cases: Array<[string, string]> = [
      ['song.mp3', `"song.mp3" is an MP3 file, not WAV or raw PCM: ${CONVERT_ADVICE}`],
      ['clip.wav', '"clip.wav" is a RIFF file but not WAVE audio.'],
    ];
    for (const [input, message] of cases) {
      // Nothing listens there: a command that connected first would exit 7 (connection).
      const result = await run(['listen', input, '--base-url', 'http://127.0.0.1:1']);
      expect([input, result.code, result.stderr]).toEqual([input, 3, `together-audio: ${message}\n`]);
    }
  });

  test('Ctrl-C before stdin has sent any audio exits 130, and nothing was connected', async () => {
    const ctrlC = new AbortController();
    const stdin = new PassThrough();
    // Nothing listens there: a command that connected first would exit 7 (connection) at once.
    const running = run(['listen', '-', '--base-url', 'http://127.0.0.1:1'], { stdin, interrupt: ctrlC.signal });
    await new Promise((resolve) => setTimeout(resolve, 200));
    ctrlC.abort();
    const result = await running;
    stdin.end();
    expect([result.code, result.stderr]).toEqual([130, 'together-audio: Interrupted.\n']);
  });

  test('a missing file, a folder and input with no audio are bad input, named', async () => {
    mkdirSync(file('folder'));
    const cases: Array<[string[], string]> = [
      [['listen', 'gone.wav'], 'Audio file "gone.wav" does not exist.'],
      [['listen', 'folder'], 'Audio file "folder" is not a regular file.'],
      [['listen', '-', '--no-vad'], 'stdin holds no audio.'],
    ];
    for (const [args, message] of cases) {
      const result = await run(local(...args));
      expect([args, result.code, result.stderr]).toEqual([args, 3, `together-audio: ${message}\n`]);
    }
  });

  describe('against a realtime server that fails', () => {
    let realtime: FakeRealtime;
    beforeEach(async () => {
      realtime = await FakeRealtime.start({ apiKey: LOCAL_API_KEY });
      writeFileSync(file('turn.raw'), tone(300, 0.2, 16000));
    });
    afterEach(() => realtime.close());

    const listen = (...args: string[]) => run(['listen', 'turn.raw', '--no-vad', '--base-url', realtime.baseURL, ...args]);

    test('an error event exits with the code of its kind: bad input, auth, rate limit or server', async () => {
      const cases: Array<[{ type: string; code: string | null }, number]> = [
        [{ type: 'invalid_request_error', code: 'invalid_audio' }, 3],
        [{ type: 'authentication_error', code: null }, 4],
        [{ type: 'invalid_request_error', code: 'invalid_api_key' }, 4],
        [{ type: 'rate_limit_error', code: null }, 5],
        [{ type: 'invalid_request_error', code: 'rate_limit_exceeded' }, 5],
        [{ type: 'server_error', code: null }, 6],
      ];
      for (const [error, code] of cases) {
        realtime.onSession('/realtime', (peer) => {
          transcriptionSessionCreated(peer);
          peer.send({ type: 'error', error: { message: 'The session failed', param: null, ...error } });
        });
        const result = await listen();
        expect([error, result.code, result.stderr]).toEqual([error, code, expect.stringMatching(/^together-audio: The session failed/)]);
      }
    });

    test('a malformed event is a server failure (6); no transcript within --timeout of the end is a timeout (7)', async () => {
      realtime.onSession('/realtime', (peer) => {
        transcriptionSessionCreated(peer);
        peer.socket.send('this is not JSON');
      });
      expect((await listen()).code).toBe(6);
      realtime.onSession('/realtime', (peer) => transcriptionSessionCreated(peer));
      const silent = await listen('--timeout', '0.3');
      expect([silent.code, silent.stderr]).toEqual([7, 'together-audio: No transcript arrived within 0.3 s of the end of the audio.\n']);
    });

    test('--model names the session model, --no-vad turns server turn detection off; the default model and server VAD otherwise', async () => {
      const opened: Array<[string | null, string | null]> = [];
      realtime.onSession('/realtime', async (peer) => {
        opened.push([peer.url.searchParams.get('model'), peer.url.searchParams.get('turn_detection')]);
        transcriptionSessionCreated(peer);
        await peer.until('input_audio_buffer.commit');
        peer.send({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_1', transcript: 'Done.' });
      });
      expect((await listen('--model', 'example/whisper-tiny')).code).toBe(0);
      expect((await run(['listen', 'turn.raw', '--base-url', realtime.baseURL])).code).toBe(0);
      expect(opened).toEqual([
        ['example/whisper-tiny', 'none'],
        ['openai/whisper-large-v3', null],
      ]);
    });

    test('prints every transcript in order, waits 1.5 s after the last one for any late turn, then closes', async () => {
      const transcript = (text: string) => ({ type: 'conversation.item.input_audio_transcription.completed', item_id: text, transcript: text });
      let waited!: Promise<number>;
      realtime.onSession('/realtime', async (peer) => {
        transcriptionSessionCreated(peer);
        await peer.until('input_audio_buffer.append');
        peer.send(transcript('An earlier turn.'));
        await peer.until('input_audio_buffer.commit');
        peer.send(transcript('The last turn.'));
        await new Promise((resolve) => setTimeout(resolve, 500));
        await peer.sendFlushed(transcript('A late turn.'));
        const sent = Date.now();
        waited = peer.closed.then(() => Date.now() - sent);
      });
      const result = await run(['listen', 'turn.raw', '--base-url', realtime.baseURL]); // server VAD: turns end as the server hears them
      expect([result.code, result.stdout.toString()]).toEqual([0, 'An earlier turn.\nThe last turn.\nA late turn.\n']);
      expect(await waited).toBeGreaterThanOrEqual(1400);
      expect(await waited).toBeLessThan(3000);
    });

    test('Ctrl-C while waiting for the transcript exits 130 and closes the session', async () => {
      const ctrlC = new AbortController();
      let closed!: Promise<{ code: number }>;
      realtime.onSession('/realtime', async (peer) => {
        transcriptionSessionCreated(peer);
        closed = peer.closed;
        await peer.until('input_audio_buffer.commit');
        ctrlC.abort();
      });
      const result = await run(['listen', 'turn.raw', '--no-vad', '--base-url', realtime.baseURL], { interrupt: ctrlC.signal });
      expect([result.code, result.stdout.length, result.stderr]).toEqual([130, 0, 'together-audio: Interrupted.\n']);
      expect((await closed).code).toBe(1000);
    });
  });
});

describe('exit codes', () => {
  test('usage: 2, with a message naming the bad command, flag, argument or combination, before anything is sent', async () => {
    writeFileSync(file('t.txt'), 'Hello');
    const usage = (command: string) => `Usage: together-audio ${command}`;
    const cases: Array<[string[], string | RegExp]> = [
      [['dance'], 'Unknown command "dance". Commands: speak, transcribe, translate, voices, listen.'],
      [['speak', '--loud', 'hi'], /^together-audio: Unknown option '--loud'/],
      [['translate', 'a.wav', '--diarize'], /^together-audio: Unknown option '--diarize'/],
      [['transcribe'], `transcribe takes 1 argument, got 0. ${usage('transcribe <PATH|URL|-> [--format text|json|verbose_json|srt|vtt] [options]')}`],
      [['listen', 'a.wav', 'b.wav'], `listen takes 1 argument, got 2. ${usage('listen <FILE.wav|FILE.raw|-> [--vad|--no-vad] [options]')}`],
      [['voices', 'all'], `voices takes 0 arguments, got 1. ${usage('voices [--model MODEL] [--json]')}`],
      [['transcribe', 'a.wav', '--format', 'docx'], 'Invalid --format "docx": expected text, json, verbose_json, srt, vtt.'],
      [['transcribe', 'a.wav', '--format', 'srt', '--timestamps', 'char'], 'Invalid --timestamps "char": expected word, segment.'],
      [['transcribe', 'a.wav', '--timestamps', 'word'], '--timestamps needs --format verbose_json, srt or vtt.'],
      [['translate', 'a.wav', '--json', '--format', 'srt'], '--json gives JSON; it cannot be combined with --format srt.'],
      [['voices', '--timeout', '0'], 'Invalid --timeout "0": expected a positive number of seconds.'],
      [['voices', '--timeout', 'soon'], 'Invalid --timeout "soon": expected a positive number of seconds.'],
      [['voices', '--timeout', 'Infinity'], 'Invalid --timeout "Infinity": expected a positive number of seconds.'],
      [['speak', 'hi', '-o', 'speech.ogg'], 'Cannot tell the audio format from "speech.ogg": use a .wav, .mp3 or .raw name, or --format.'],
      [['speak', 'hi', '--format', 'flac', '-o', 'x.wav'], 'Invalid --format "flac": expected wav, mp3, raw.'],
      [['speak', 'hi', '--stream', '-o', 'x.mp3'], '--stream produces PCM: write it as .wav or .raw, or drop --stream for mp3.'],
      [['speak', 'hi', '--json'], '--json prints to stdout, where the audio would go: add -o FILE.'],
      [['speak', 'hi', '-f', 't.txt', '-o', 'x.wav'], 'Give the text as an argument or with -f, not both.'],
      [['listen', 'a.wav', '--vad', '--no-vad'], 'Give --vad or --no-vad, not both.'],
    ];
    for (const [args, message] of cases) await expectUsageError(args, message);
    expect(server.fake.requests).toHaveLength(0);
  });

  test('bad input: 3 for a missing file, empty text or voice, an unwritable -o, and a 4xx the API gives for the input', async () => {
    const missing = await run(local('transcribe', 'missing.wav'));
    expect([missing.code, missing.stderr]).toEqual([3, 'together-audio: Audio file "missing.wav" does not exist.\n']);
    expect((await run(local('speak', '   ', '-o', 'x.wav'))).code).toBe(3);
    const unwritable = await run(local('speak', 'hi', '-o', 'no/such/dir/x.wav'));
    expect([unwritable.code, unwritable.stderr]).toEqual([3, expect.stringContaining('Cannot write "no/such/dir/x.wav" (ENOENT)')]);
    expect((await run(local('speak', 'hi', '--stream', '-o', 'no/such/dir/x.wav'))).code).toBe(3);
    const noVoice = await run(local('speak', 'hi', '--voice', '', '-o', 'x.wav'));
    expect([noVoice.code, noVoice.stderr, existsSync(file('x.wav'))]).toEqual([
      3,
      'together-audio: The speech request needs "voice" (a non-empty string); got "".\n',
      false,
    ]);
    expect(server.fake.requests).toHaveLength(0);
    server.fake.route('POST /audio/speech', (req, res) => {
      req.resume();
      sendError(res, 422, 'voice "nobody" does not exist', { param: 'voice' });
    });
    const rejected = await run(local('speak', 'hi', '--voice', 'nobody', '-o', 'x.wav'));
    expect(rejected.code).toBe(3);
    expect(rejected.stderr).toContain('voice "nobody" does not exist');
  });

  test('auth: 4 for no key, an unreadable key file, and a refused key', async () => {
    const noKey = await run(local('voices'), { env: env({ TOGETHER_API_KEY: undefined }) });
    expect(noKey.code).toBe(4);
    expect(noKey.stderr).toContain('TOGETHER_API_KEY');
    expect((await run(local('voices', '--api-key-file', 'nope.txt'))).code).toBe(4);
    expect((await run(local('voices'), { env: env({ TOGETHER_API_KEY: 'not-the-local-key' }) })).code).toBe(4);
    writeFileSync(file('key.txt'), `${LOCAL_API_KEY}\n`);
    expect((await run(local('voices', '--api-key-file', 'key.txt'), { env: env({ TOGETHER_API_KEY: undefined }) })).code).toBe(0);
  });

  test('auth: a key file must hold just the key on one line, and one that cannot be read is named with the reason', async () => {
    writeFileSync(file('empty.txt'), '\n');
    writeFileSync(file('two.txt'), `${LOCAL_API_KEY} ${LOCAL_API_KEY}\n`);
    writeFileSync(file('key.txt'), `  ${LOCAL_API_KEY}\n`);
    const cases: Array<[string, string]> = [
      ['nope.txt', 'Cannot read the API key file "nope.txt" (ENOENT).'],
      ['empty.txt', 'The API key file "empty.txt" must hold just the key, on one line.'],
      ['two.txt', 'The API key file "two.txt" must hold just the key, on one line.'],
    ];
    for (const [name, message] of cases) {
      const result = await run(local('voices', '--api-key-file', name));
      expect([name, result.code, result.stderr]).toEqual([name, 4, `together-audio: ${message}\n`]);
    }
    expect(server.fake.requests).toHaveLength(0);
    // The file's key wins over the environment's.
    expect((await run(local('voices', '--api-key-file', 'key.txt'), { env: env({ TOGETHER_API_KEY: 'not-the-local-key' }) })).code).toBe(0);
  });

  test("each HTTP status class has its exit code, with the API's message", async () => {
    const cases: Array<[number, number]> = [
      [400, 3],
      [401, 4],
      [403, 4],
      [404, 3],
      [413, 3],
      [422, 3],
      [429, 5],
      [500, 6],
      [503, 6],
    ];
    for (const [status, code] of cases) {
      server.fake.route('GET /voices', (_req, res) => sendError(res, status, `Refused with ${status}`, {}, { 'retry-after': '0' }));
      const result = await run(local('voices'));
      expect([status, result.code, result.stderr]).toEqual([status, code, expect.stringContaining(`Refused with ${status}`)]);
    }
  });

  test('rate limit: 5 for a 429 after the retries; server: 6 for a 5xx', async () => {
    server.fake.route('GET /voices', (_req, res) => sendError(res, 429, 'Too many requests', { type: 'rate_limit_exceeded' }, { 'retry-after': '0' }));
    expect((await run(local('voices'))).code).toBe(5);
    server.fake.route('GET /voices', (_req, res) => sendError(res, 503, 'Overloaded', { type: 'server_error' }, { 'retry-after': '0' }));
    const overloaded = await run(local('voices'));
    expect(overloaded.code).toBe(6);
    expect(server.fake.requests).toHaveLength(6); // 3 attempts each
  });

  test('connection: 7 when nothing listens, and when the server stays silent past --timeout', async () => {
    expect((await run(['voices', '--base-url', 'http://127.0.0.1:9/v1'])).code).toBe(7);
    server.fake.route('GET /voices', () => undefined); // never answers
    const silent = await run(local('voices', '--timeout', '0.3'));
    expect(silent.code).toBe(7);
    expect(silent.stderr).toMatch(/timed out|timeout/i);
    // A timeout below a millisecond is still a timeout (of 1 ms), never none at all.
    expect((await run(local('voices', '--timeout', '0.0001'))).code).toBe(7);
  });

  test('interrupted: 130 on Ctrl-C mid-download, and the partial file is removed', async () => {
    const ctrlC = new AbortController();
    let partialSeen = false;
    server.fake.route('POST /audio/speech', (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'audio/wav' });
      // ...and never ends; Ctrl-C once the first bytes are in the file.
      res.write(Buffer.alloc(4096), () =>
        setTimeout(() => {
          partialSeen = existsSync(file('partial.wav'));
          ctrlC.abort();
        }, 200),
      );
    });
    const interrupted = await run(local('speak', 'hi', '-o', 'partial.wav'), { interrupt: ctrlC.signal });
    expect([interrupted.code, partialSeen, existsSync(file('partial.wav'))]).toEqual([130, true, false]);
    expect(interrupted.stderr).toMatch(/^together-audio: .*abort/i);
  });
});

describe('the host', () => {
  test("without --base-url the client resolves the host itself (TOGETHER_BASE_URL here; Together's own otherwise)", async () => {
    const result = await run(['voices', '--json'], { env: env({ TOGETHER_BASE_URL: server.baseURL }) });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.toString())).toEqual(LOCAL_VOICES);
  });
});

describe('the key', () => {
  const SECRET = 'tgp_v1_ThisIsTheSecretKeyValue0123456789';

  test('never appears in stdout or stderr, even when the server echoes it back', async () => {
    // A server that accepts this key and quotes the Authorization header in every error.
    const echo = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      req.resume();
      if (req.url?.includes('speech')) return sendError(res, 400, `bad request with header ${req.headers.authorization}`);
      sendJson(res, 500, { error: { message: `failed for ${req.headers.authorization}`, type: 'server_error' } }, { 'retry-after': '0' });
    };
    server.fake.route('POST /audio/speech', echo).route('GET /voices', echo).route('POST /audio/transcriptions', echo);
    writeFileSync(file('key.txt'), SECRET);
    writeFileSync(file('a.wav'), pcmToWav(tone(440, 0.2, 16000), { encoding: 'pcm_s16le', sampleRate: 16000, channels: 1 }));
    const results = [
      await run(local('speak', 'hi', '-o', 'x.wav'), { env: env({ TOGETHER_API_KEY: SECRET }) }),
      await run(local('voices', '--json'), { env: env({ TOGETHER_API_KEY: SECRET }) }),
      await run(local('transcribe', 'a.wav', '--api-key-file', 'key.txt'), { env: env({ TOGETHER_API_KEY: undefined }) }),
      await run(local('listen', 'a.wav'), { env: env({ TOGETHER_API_KEY: SECRET }) }), // the realtime server refuses this key
      await inTerminal(local('voices'), { env: env({ TOGETHER_API_KEY: SECRET }) }),
    ];
    expect(results.map((r) => r.code)).toEqual([3, 6, 6, 4, 6]);
    expect(server.fake.requests.every((r) => r.headers.authorization === `Bearer ${SECRET}`)).toBe(true);
    for (const result of results) {
      expect(result.stdout.toString('latin1')).not.toContain(SECRET);
      expect(result.stderr).not.toContain(SECRET);
    }
    // The key read from the file is redacted too, and the rest of the message is kept.
    expect(results[2].stderr).toContain('failed for Bearer [redacted]');
  });

  test('only an --api-key option is refused, not text that mentions it', async () => {
    const result = await run(local('speak', 'Never pass --api-key', '-o', 'x.wav'));
    expect([result.code, result.stderr]).toEqual([0, '']);
  });

  test('pasted as an argument, it is redacted from the error that quotes it', async () => {
    const result = await run([SECRET], { env: env({ TOGETHER_API_KEY: SECRET }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^together-audio: Unknown command "\[redacted\]"/);
  });

  test('is refused as a flag, without echoing the value', async () => {
    for (const args of [
      ['voices', `--api-key=${SECRET}`],
      ['voices', '--api-key', SECRET],
    ]) {
      const result = await run(local(...args));
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--api-key is not accepted');
      expect(result.stderr).not.toContain(SECRET);
    }
  });
});

describe('progress', () => {
  test('on a terminal, stderr shows audio received and the request id; piped, stderr stays empty', async () => {
    const tty = await inTerminal(local('speak', 'Hello there, this is the progress test.', '-o', 'p.wav'));
    expect(tty.code).toBe(0);
    const screen = tty.stdout.toString();
    expect(screen).toMatch(/\rReceived \d+\.\d s of audio(?! \()/); // while receiving, before the total
    expect(screen).toMatch(/Received 1\.9 s of audio \(\d+ bytes\)/);
    expect(screen).toContain('Request id: local-speech');

    const piped = await run(local('speak', 'Hello there, this is the progress test.', '-o', 'p.wav'));
    expect(piped).toMatchObject({ code: 0, stderr: '' });
  });

  test('an upload shows bytes sent of the total; stdout redirected to a file gets only the result', async () => {
    writeFileSync(file('long.wav'), pcmToWav(tone(440, 5, 16000), { encoding: 'pcm_s16le', sampleRate: 16000, channels: 1 }));
    const size = readFileSync(file('long.wav')).length;
    const tty = await inTerminal(local('transcribe', 'long.wav'), { stdoutTo: 'out.txt' });
    expect(tty.code).toBe(0);
    expect(tty.stdout.toString()).toMatch(/Uploading: 156\.3 KB of 156\.3 KB \(100%\)/);
    expect(size).toBe(160044);
    expect(tty.stdout.toString()).toContain('Request id: local-transcribe');
    expect(readFileSync(file('out.txt'), 'utf8')).toBe('This is the local stand-in for Together. It heard 5.00 seconds of audio in long.wav.\n');
  });

  test('listen shows the audio sent as it goes and the session id on a terminal, transcripts on stdout', async () => {
    writeFileSync(file('turn.raw'), tone(300, 3, 16000));
    const tty = await inTerminal(local('listen', 'turn.raw', '--no-vad'), { stdoutTo: 'transcript.txt' });
    expect(tty.code).toBe(0);
    expect(tty.stdout.toString()).toMatch(/Sent 3\.0 s of audio[\s\S]*Session id: local-stt/);
    // Drawn while sending (the file is read in 64 KiB pieces), then the total.
    const shown = [...tty.stdout.toString().matchAll(/\rSent (\d+\.\d) s of audio/g)].map((match) => Number(match[1]));
    expect([shown.length > 1, shown.every((seconds, i) => seconds > 0 && seconds <= (shown[i + 1] ?? 3)), shown.at(-1)]).toEqual([true, true, 3]);
    expect(readFileSync(file('transcript.txt'), 'utf8')).toBe('I heard 3.00 seconds of audio.\n');
  });

  test('voices notes its request id on a terminal, the table going to stdout', async () => {
    const tty = await inTerminal(local('voices'), { stdoutTo: 'voices.txt' });
    expect([tty.code, tty.stdout.toString()]).toEqual([0, expect.stringContaining('Request id: local-voices')]);
    expect(readFileSync(file('voices.txt'), 'utf8')).toMatch(/^MODEL\s+VOICE\s+ID\n/);
  });

  test('binary audio is not written to a terminal', async () => {
    const result = await inTerminal(local('speak', 'hi'));
    expect(result.code).toBe(2);
    expect(result.stdout.toString()).toContain('Not writing binary audio to a terminal');
  });

  test('input is not read from a terminal: speak with no text, and "-" for transcribe or listen, are usage errors', async () => {
    const cases: Array<[string[], string]> = [
      [['speak', '-o', 'x.wav'], 'No text: give it as an argument, with -f FILE, or on stdin.'],
      [['transcribe', '-'], '"-" reads the audio from stdin, which is a terminal: pipe a file in.'],
      [['listen', '-'], '"-" reads the audio from stdin, which is a terminal: pipe a file in.'],
    ];
    for (const [args, message] of cases) {
      const result = await inTerminal(local(...args));
      expect([args, result.code, result.stdout.toString()]).toEqual([args, 2, expect.stringContaining(message)]);
    }
    expect(server.fake.requests).toHaveLength(0);
  });

  test('streamed speech counts the PCM received; a URL has no upload to show, only the request id', async () => {
    const streamed = (await inTerminal(local('speak', 'Hello there!', '--stream', '-o', 's.wav'))).stdout.toString();
    expect(streamed).toMatch(/Received 0\.6 s of audio \(28844 bytes\)/);
    const remote = await inTerminal(local('translate', 'https://example.com/talk.mp3'), { stdoutTo: 'out.txt' });
    expect(remote.code).toBe(0);
    expect(remote.stdout.toString()).not.toContain('Uploading');
    expect(remote.stdout.toString()).toContain('Request id: local-translate');
  });
});

describe('help and version', () => {
  test('--version prints the package version; --help works for every command', async () => {
    expect((await run(['--version'])).stdout.toString()).toBe(`${version}\n`);
    const main = await run(['--help']);
    expect(main.code).toBe(0);
    expect((await run(['help', 'listen'])).stdout.toString()).toContain('Usage: together-audio listen');
    const bare = await run([]);
    expect([bare.code, bare.stdout.length, bare.stderr]).toEqual([2, 0, expect.stringContaining('Usage: together-audio <command>')]);
    expect(main.stdout.toString()).toMatch(/Exit codes:\n\s+0\s+success/);
    for (const command of ['speak', 'transcribe', 'translate', 'voices', 'listen']) {
      const help = await run([command, '--help']);
      expect([command, help.code]).toEqual([command, 0]);
      expect(help.stdout.toString()).toContain(`Usage: together-audio ${command}`);
      expect(help.stdout.toString()).toContain('--base-url URL');
    }
  });

  test("`help COMMAND` is the command's --help; -h, `help` and `help` with an unknown command give the main help", async () => {
    const mainHelp = (await run(['--help'])).stdout.toString();
    for (const args of [['-h'], ['help'], ['help', 'dance']]) {
      const result = await run(args);
      expect([args, result.code, result.stdout.toString(), result.stderr]).toEqual([args, 0, mainHelp, '']);
    }
    expect(mainHelp).toContain('\n  speak       Text to speech, into a file, a pipe or a player.\n  transcribe  Speech to text');
    expect(mainHelp).toContain('\n  listen      Realtime transcription');
    const speakHelp = await run(['help', 'speak']);
    expect([speakHelp.code, speakHelp.stdout.toString()]).toEqual([0, (await run(['speak', '--help'])).stdout.toString()]);
    expect(speakHelp.stdout.toString()).toMatch(
      /^Usage: together-audio speak \[text\].*\n\nText to speech, into a file, a pipe or a player\.\n\nOptions:\n {2}\[text\]/,
    );
    expect(speakHelp.stdout.toString()).toMatch(/\n {2}--play .*\n {2}--base-url URL .*\n[\s\S]*\n {2}-h, --help {12}this help\n$/);
    expect((await run(['-V'])).stdout.toString()).toBe(`${version}\n`);
    // --help wins over everything else on the line, and sends nothing.
    expect((await run(local('voices', 'extra', '--help'))).code).toBe(0);
    expect(server.fake.requests).toHaveLength(0);
  });
});
