import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseSync } from 'subtitle';
import { demoSteps } from '../scripts/demo';
import { buildCli } from './support/cli';
import { repoRoot } from './support/processes';
import { parseWav } from './support/wav-reader';

jest.setTimeout(60_000);

let cli: Awaited<ReturnType<typeof buildCli>>;
let outDir: string;

beforeAll(async () => {
  cli = await buildCli();
  outDir = mkdtempSync(path.join(tmpdir(), 'together-audio-demo-'));
});

afterAll(() => {
  cli?.remove();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

test("the README's first set-up command installs, regenerates, builds and runs the demo", () => {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const firstCommand = /```sh\n(.*)\n```/.exec(readme)?.[1];
  expect(firstCommand).toBe('npm ci && npm run generate && npm run build && npm run demo');
});

test('npm run demo speaks hello.wav, transcribes it to SRT, lists voices and runs a realtime turn, with no key', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, TOGETHER_AUDIO_CLI: cli.executable, TOGETHER_AUDIO_DEMO_DIR: outDir };
  delete env.TOGETHER_API_KEY;
  delete env.TOGETHER_BASE_URL;
  const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'demo'], { cwd: repoRoot, env });
  for (const { args } of demoSteps(outDir)) expect(stdout).toContain(`$ together-audio ${args[0]} `);
  expect(stdout).toMatch(/hexgrad\/Kokoro-82M\s+af_heart/);
  expect(stdout).toContain('I heard 1.75 seconds of audio.');

  const wav = parseWav(readFileSync(path.join(outDir, 'hello.wav')));
  expect(wav).toMatchObject({ riff: 'RIFF', wave: 'WAVE', sampleRate: 24000, channels: 1, bitsPerSample: 16, dataSize: 1.75 * 24000 * 2 });
  const cues = parseSync(readFileSync(path.join(outDir, 'hello.srt'), 'utf8'));
  expect(cues.map((node) => node.type === 'cue' && node.data.text)).toEqual([
    'This is the local stand-in for Together.',
    'It heard 1.75 seconds of audio in\nhello.wav.',
  ]);
});
