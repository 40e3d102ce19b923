import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot, run, tscPath, type RunResult } from './processes';

export const PACKAGE_NAME = '@together-audio/client';

/** Calls scripts/workspace-copy.mjs (an ES module, which ts-jest's CommonJS cannot import) in a child node. */
export async function makeWorkspaceCopy(prefix: string): Promise<string> {
  const module = path.join(repoRoot, 'scripts', 'workspace-copy.mjs');
  const code = `import { makeWorkspaceCopy } from ${JSON.stringify(module)}; process.stdout.write(makeWorkspaceCopy(${JSON.stringify(prefix)}));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: repoRoot });
  return stdout.trim();
}

export function makeTempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/**
 * npm with a throwaway user config instead of the user's ~/.npmrc, and without the npm_* variables
 * an enclosing `npm test` exports (they would point the child at this repository).
 */
export function npm(args: string[], cwd: string, userconfig: string): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
  return run('npm', [...args, '--userconfig', userconfig, '--no-audit', '--no-fund', '--no-update-notifier'], {
    cwd,
    env: { ...env, npm_config_loglevel: 'warn' },
  });
}

export function writeUserConfig(dir: string, lines: string[] = []): string {
  const file = path.join(dir, 'npmrc');
  writeFileSync(file, lines.map((line) => `${line}\n`).join(''));
  return file;
}

/** Everything `npm pack` would see in a checkout, including the parts that must stay out of the tarball. */
const packedFrom = ['README.md', 'CHANGELOG.md', 'LICENSE', 'tsup.config.ts', 'test'];

export interface PackedPackage {
  tarball: string;
  /** Paths inside the tarball, relative to its package/ directory. */
  files: string[];
  /** A checkout-like copy with dist/ built, for `npm publish`; removed by the caller. */
  packageDir: string;
}

/**
 * Builds the package in a scratch copy of the repository (so the working tree's dist/, which other
 * tests and the benchmark use, is never wiped mid-run) and packs it into `destination`.
 */
export async function buildAndPack(destination: string, userconfig: string): Promise<PackedPackage> {
  const packageDir = await makeWorkspaceCopy('together-audio-pack-');
  try {
    for (const name of packedFrom) {
      const source = path.join(repoRoot, name);
      if (existsSync(source)) cpSync(source, path.join(packageDir, name), { recursive: true });
    }
    await npm(['run', 'build'], packageDir, userconfig);
    // --ignore-scripts: pack must not start lifecycle scripts that run this very test suite.
    const { stdout } = await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', destination], packageDir, userconfig);
    const [report] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    return { tarball: path.join(destination, report.filename), files: report.files.map((file) => file.path).sort(), packageDir };
  } catch (error) {
    removeDir(packageDir);
    throw error;
  }
}

/** An empty project, outside this repository, that depends on nothing yet. */
export function makeConsumerProject(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2));
  for (const [name, text] of Object.entries(consumerFiles)) writeFileSync(path.join(dir, name), text);
  return dir;
}

/** How a consumer uses the package: a call from CommonJS and from ESM, and code type-checked against its declarations. */
const consumerFiles: Record<string, string> = {
  // Whether axios has been loaded is read from require's cache (which holds the CommonJS modules an
  // ES module loads too): the client loads it on its first request, not at import.
  'voices.cjs': `
const { TogetherAudio } = require('${PACKAGE_NAME}');
const axiosLoaded = () => Object.keys(require.cache).some((file) => /[\\\\/]node_modules[\\\\/]axios[\\\\/]/.test(file));
const [baseURL, apiKey] = process.argv.slice(2);
const client = new TogetherAudio({ apiKey, baseURL });
const axiosAtStart = axiosLoaded();
client.voices.list().then((data) => {
  const axiosAfterCall = axiosLoaded();
  const { AudioApi } = require('${PACKAGE_NAME}/api');
  console.log(JSON.stringify({ entry: require.resolve('${PACKAGE_NAME}'), audioApi: typeof AudioApi, data, axiosAtStart, axiosAfterCall }));
});
`,
  'voices.mjs': `
import { createRequire } from 'node:module';
import { TogetherAudio } from '${PACKAGE_NAME}';
const { cache } = createRequire(import.meta.url);
const axiosLoaded = () => Object.keys(cache).some((file) => /[\\\\/]node_modules[\\\\/]axios[\\\\/]/.test(file));
const [baseURL, apiKey] = process.argv.slice(2);
const client = new TogetherAudio({ apiKey, baseURL });
const axiosAtStart = axiosLoaded();
const data = await client.voices.list();
const axiosAfterCall = axiosLoaded();
const { AudioApi } = await import('${PACKAGE_NAME}/api');
console.log(JSON.stringify({ entry: import.meta.resolve('${PACKAGE_NAME}'), audioApi: typeof AudioApi, data, axiosAtStart, axiosAfterCall }));
`,
  // Checked twice: as CommonJS (check.ts, "require" types) and as ESM (check.mts, "import" types).
  'check.ts': typeCheckedUse(),
  'check.mts': typeCheckedUse(),
  'tsconfig.json': consumerTsconfig({ module: 'nodenext', moduleResolution: 'nodenext' }, ['check.ts', 'check.mts']),
  // Projects still on the resolution TypeScript calls node10 ("node") ignore package.json's
  // "exports", so each subpath entry needs its types found another way.
  'check-node10.ts': `
import { TogetherAudio } from '${PACKAGE_NAME}';
import { TogetherAudio as NodeTogetherAudio } from '${PACKAGE_NAME}/node';
import { TogetherAudio as WebTogetherAudio } from '${PACKAGE_NAME}/web';
import { AudioApi } from '${PACKAGE_NAME}/api';

export const clients: Array<TogetherAudio | NodeTogetherAudio | WebTogetherAudio> = [new WebTogetherAudio({ apiKey: 'key' })];
export const bound: AudioApi = new NodeTogetherAudio({ apiKey: 'key' }).api(AudioApi);
`,
  'tsconfig.node10.json': consumerTsconfig({ module: 'commonjs', moduleResolution: 'node10' }, ['check-node10.ts']),
};

function consumerTsconfig(resolution: { module: string; moduleResolution: string }, files: string[]): string {
  const compilerOptions = {
    ...resolution,
    target: 'es2022',
    strict: true,
    noEmit: true,
    // A strict consumer checks the published declarations too.
    skipLibCheck: false,
    types: ['node'],
    typeRoots: [path.join(repoRoot, 'node_modules', '@types')],
  };
  return JSON.stringify({ compilerOptions, files }, null, 2);
}

function typeCheckedUse(): string {
  return `
import { AudioSpeechRequest, TogetherAudio, APIError, type ListVoicesResponse } from '${PACKAGE_NAME}';
import { AudioApi } from '${PACKAGE_NAME}/api';

const request: AudioSpeechRequest = { model: 'cartesia/sonic', input: 'Hello', voice: 'tara', response_format: 'mp3' };
const client = new TogetherAudio({ apiKey: 'key', baseURL: 'http://127.0.0.1:9' });
export const speech: Promise<Buffer> = client.speech.create(request);
export const requestId: Promise<string | undefined> = client.speech.create(request).withResponse().then(({ response }) => response.requestId);
export const voices: Promise<ListVoicesResponse> = client.voices.list();
// The generated classes stay importable for use on their own, and bind to a client.
export const standalone: AudioApi = new AudioApi();
export const bound: AudioApi = client.api(AudioApi);
export const isApiError = (error: unknown): error is APIError => error instanceof APIError && typeof error.status === 'number';
// @ts-expect-error voice is required: proves the types are real, not any.
export const missingVoice: AudioSpeechRequest = { model: 'cartesia/sonic', input: 'Hello' };
`;
}

export function typeCheckConsumer(dir: string, project = 'tsconfig.json'): Promise<RunResult> {
  return run(process.execPath, [tscPath, '-p', path.join(dir, project)], { cwd: dir });
}

export interface ConsumerCall {
  entry: string;
  audioApi: string;
  data: unknown;
  /** Whether axios had been loaded once the client was constructed, and after its first call. */
  axiosAtStart: boolean;
  axiosAfterCall: boolean;
}

export async function runConsumerCall(dir: string, script: 'voices.cjs' | 'voices.mjs', baseURL: string, apiKey: string): Promise<ConsumerCall> {
  const { stdout } = await run(process.execPath, [script, baseURL, apiKey], { cwd: dir });
  return JSON.parse(stdout) as ConsumerCall;
}
