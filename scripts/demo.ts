/**
 * `npm run demo`: the main jobs of the package, with no key and no network. It starts the local
 * stand-in for Together's audio API (examples/local-together-server.ts) and runs the built
 * `together-audio` executable against it: the voice list, speech into hello.wav, a transcription
 * of it as SRT subtitles, and one realtime transcription turn.
 *
 * TOGETHER_AUDIO_CLI picks another build of the executable (the tests use a scratch build), and
 * TOGETHER_AUDIO_DEMO_DIR the output folder (default ./demo-output).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startLocalTogetherServer } from '../examples/local-together-server';

export interface DemoOptions {
  executable: string;
  outDir: string;
  log: (line: string) => void;
}

/** The steps, as a user would type them (without the --base-url the demo adds). */
export function demoSteps(outDir: string): Array<{ title: string; args: string[] }> {
  const relative = (name: string) => path.relative(process.cwd(), path.join(outDir, name)) || name;
  return [
    { title: 'The voices of a speech model', args: ['voices', '--model', 'hexgrad/Kokoro-82M'] },
    { title: 'Text to speech, into a WAV file', args: ['speak', 'Hello from the together-audio demo.', '-o', relative('hello.wav')] },
    { title: 'Transcription of that file, as SRT subtitles', args: ['transcribe', relative('hello.wav'), '--format', 'srt', '-o', relative('hello.srt')] },
    { title: 'One realtime transcription turn over a websocket', args: ['listen', relative('hello.wav'), '--no-vad'] },
  ];
}

export async function runDemo({ executable, outDir, log }: DemoOptions): Promise<void> {
  if (!existsSync(executable)) throw new Error(`${executable} does not exist: run \`npm run build\` first.`);
  mkdirSync(outDir, { recursive: true });
  const server = await startLocalTogetherServer();
  try {
    log(`Local stand-in for the Together audio API at ${server.baseURL} (no key or network needed).\n`);
    for (const { title, args } of demoSteps(outDir)) {
      log(`# ${title}`);
      log(`$ together-audio ${args.map(quote).join(' ')} --base-url ${server.baseURL}`);
      await runStep(executable, [...args, '--base-url', server.baseURL], server.apiKey);
      if (args[0] === 'transcribe') log(readFileSync(path.join(outDir, 'hello.srt'), 'utf8').trimEnd());
      log('');
    }
    log(`Done: hello.wav and hello.srt are in ${path.relative(process.cwd(), outDir) || '.'}.`);
    log('With your own key the same commands go to Together: drop --base-url and run');
    log('  export TOGETHER_API_KEY=...   # or --api-key-file PATH');
    log(
      `  node ${path.relative(process.cwd(), executable) || executable} speak "Hello!" -o hello.wav   # npx together-audio ... where the package is installed`,
    );
  } finally {
    await server.close();
  }
}

/** Runs one command with the stand-in's key (never the user's own), output straight to this terminal. */
function runStep(executable: string, args: string[], apiKey: string): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, TOGETHER_API_KEY: apiKey };
  delete env.TOGETHER_BASE_URL;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [executable, ...args], { stdio: ['ignore', 'inherit', 'inherit'], env });
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`together-audio ${args[0]} failed (${signal ?? `exit code ${code}`}).`))));
  });
}

function quote(arg: string): string {
  return /^[\w./:@=-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\$`])/g, '\\$1')}"`;
}

if (/demo\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  const root = process.cwd();
  runDemo({
    executable: process.env.TOGETHER_AUDIO_CLI ?? path.join(root, 'dist', 'cli.cjs'),
    outDir: path.resolve(process.env.TOGETHER_AUDIO_DEMO_DIR ?? path.join(root, 'demo-output')),
    log: (line) => console.log(line),
  }).catch((error: Error) => {
    console.error(`demo failed: ${error.message}`);
    process.exitCode = 1;
  });
}
