import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { main as speakExample } from '../examples/realtime-tts';
import { main as transcribeExample } from '../examples/realtime-stt';
import { main as bargeInExample } from '../examples/realtime-barge-in';
import { parseWav } from './support/wav-reader';

let dir: string;
let log: jest.SpyInstance;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'realtime-examples-'));
  log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterEach(async () => {
  jest.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

test('the realtime TTS example writes a WAV of s16le 24 kHz mono speech from the local server', async () => {
  const out = path.join(dir, 'speech.wav');
  const result = await speakExample(out);
  const wav = parseWav(await readFile(out));
  expect(wav).toEqual(expect.objectContaining({ formatTag: 1, channels: 1, sampleRate: 24000, bitsPerSample: 16 }));
  // The local server speaks three sentences, 0.05 s of tone per character.
  expect(wav.dataSize).toBeGreaterThan(24000 * 2);
  expect(result).toEqual({ path: out, bytes: wav.dataOffset + wav.dataSize });
  expect(log).toHaveBeenCalledWith(expect.stringContaining(`to ${out}`));
});

test('the realtime transcription example streams two seconds of PCM and gets its transcript', async () => {
  await expect(transcribeExample()).resolves.toBe('I heard 2.00 seconds of audio.');
});

test('the barge-in example interrupts a turn and its reply gets only its own audio, with word timestamps', async () => {
  const result = await bargeInExample();
  expect(result.heardBeforeInterruption).toBeGreaterThanOrEqual(24000);
  // The local server speaks 0.05 s of 24 kHz s16le tone per character: 16 characters make 38 400 bytes.
  expect(result.answerBytes).toBe(Math.round(0.05 * 'Sorry, go ahead.'.length * 24000) * 2);
  expect(result.captions.map((caption) => caption.split('@')[0])).toEqual(['Sorry,', 'go', 'ahead.']);
});

test('npm run example:realtime builds and runs both examples as the README says', async () => {
  const env = { ...process.env };
  delete env.TOGETHER_REALTIME_LIVE;
  const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'example:realtime'], { cwd: path.join(__dirname, '..'), env });
  expect(stdout).toMatch(/Wrote \d+ bytes of WAV \(PCM s16le, 24 kHz, mono\)/);
  expect(stdout).toContain('Transcript of 64000 bytes: I heard 2.00 seconds of audio.');
  expect(stdout).toMatch(/Interrupted after \d+ bytes; replied with 38400 bytes: Sorry,@0\.00s go@/);
});
