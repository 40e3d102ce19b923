import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { build, type Options } from 'tsup';
import type { Plugin } from 'esbuild';
import tsupConfig from '../../tsup.config';
import { repoRoot } from './processes';

export interface CliResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

export interface CliRunOptions {
  /** The child's whole environment. */
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Written to stdin, which is then closed; a Readable is piped in, stdin ending when it does; stdin is empty (closed) otherwise. */
  stdin?: Buffer | string | Readable;
  /** Ctrl-C: when this aborts, the child gets SIGINT (in-process, main()'s `io.signal` aborts, as the executable's SIGINT handler does). */
  interrupt?: AbortSignal;
}

/**
 * Under Stryker, whose jest environment defines this global: Stryker sees only the code that runs in
 * this process, so runCli runs the CLI's main() here instead of the built executable.
 */
export const cliInProcess = '__stryker__' in globalThis;

/**
 * Under Stryker, src/ is instrumented, and a mutated dynamic import reads
 * `import(mutantActive ? "" : './http-stack.js')`: esbuild resolves both branches and fails the
 * build on "". Left external, the mutant fails when it runs, as it would in the library.
 * In the initial run the specifier also counts its coverage, `(stryCov_x("1"), './http-stack.js')`,
 * which esbuild cannot resolve, so it would leave the import to a module the bundle lacks: the
 * coverage call is dropped from relative specifiers (the child's coverage is not seen anyway).
 */
const emptySpecifiers: Plugin = {
  name: 'stryker-empty-specifiers',
  setup(build) {
    build.onResolve({ filter: /^$/ }, () => ({ path: '', external: true }));
    build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async ({ path: file }) => ({
      contents: (await readFile(file, 'utf8')).replace(/\(stryCov_\w+\([^()]*\), ((["'])\.{1,2}\/[^"']*\2)\)/g, '$1'),
      loader: 'ts',
    }));
  },
};

/**
 * Builds the executable exactly as `npm run build` does (the CLI entry of tsup.config.ts), but into
 * a scratch folder under node_modules/.cache, so the working tree's dist/ is never touched mid-run
 * and the bundle still finds the package's dependencies. Returns the executable's path.
 */
export async function buildCli(): Promise<{ executable: string; remove(): void }> {
  const configs = (Array.isArray(tsupConfig) ? tsupConfig : [tsupConfig]) as Options[];
  const cli = configs.find((config) => typeof config.entry === 'object' && !Array.isArray(config.entry) && 'cli' in config.entry);
  if (!cli) throw new Error('tsup.config.ts has no build with a "cli" entry');
  const outDir = path.join(repoRoot, 'node_modules', '.cache', `cli-test-${process.pid}-${Date.now()}`);
  mkdirSync(outDir, { recursive: true });
  await build({ ...cli, outDir, config: false, silent: true, sourcemap: false, esbuildPlugins: cliInProcess ? [emptySpecifiers] : [] });
  return { executable: path.join(outDir, 'cli.cjs'), remove: () => rmSync(outDir, { recursive: true, force: true }) };
}

export interface LazyCli {
  /** The executable's path, built (once) on the first call. */
  executable(): Promise<string>;
  /** Removes the build, if there is one. */
  remove(): Promise<void>;
}

/** As buildCli, on first use: under Stryker most tests run main() in-process and need no build. */
export function lazyCli(): LazyCli {
  let built: ReturnType<typeof buildCli> | undefined;
  return {
    executable: async () => (await (built ??= buildCli())).executable,
    remove: async () => (await built?.catch(() => undefined))?.remove(),
  };
}

/**
 * Runs the executable itself (its shebang picks node) with pipes for stdin, stdout and stderr; under
 * Stryker, main() in this process, as the executable would run it (see runMain).
 */
export async function runCli(cli: LazyCli, args: string[], options: CliRunOptions): Promise<CliResult> {
  return cliInProcess ? runMain(args, options) : startCli(await cli.executable(), args, options).result;
}

/**
 * Loaded with the test file, outside any test: Stryker then sees the CLI's module-level code (the
 * command table, help texts) as static, not as covered by whichever test ran main() first.
 */
const cliMain = cliInProcess ? import('../../src/cli/main') : undefined;

let mainRuns: Promise<unknown> = Promise.resolve();

/**
 * main() with the streams a child has behind pipes (not terminals; stdin ends after `options.stdin`),
 * or, with `terminal`, streams that are terminals, showing stderr and stdout on one screen (stdout
 * goes to `stdoutTo` instead, if given). It runs in `options.cwd` with `options.env` as process.env
 * (the library reads TOGETHER_BASE_URL there). Both are this process's, so runs take turns, and each
 * restores them when it ends. Stryker's jest runs test files in band, one test at a time, so
 * nothing else in the process sees them.
 */
function runMain(args: string[], options: CliRunOptions, { terminal = false, stdoutTo }: { terminal?: boolean; stdoutTo?: string } = {}): Promise<CliResult> {
  const run = mainRuns.then(async () => {
    const { main } = await cliMain!;
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const collect = (chunks: Buffer[]) =>
      Object.assign(
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            chunks.push(chunk);
            done();
          },
        }),
        { isTTY: terminal || undefined },
      );
    const given = options.stdin;
    const stdin = Object.assign(given instanceof Readable ? given : Readable.from(given === undefined ? [] : [Buffer.from(given)], { objectMode: false }), {
      isTTY: terminal || undefined,
    });
    const file = stdoutTo === undefined ? undefined : createWriteStream(path.resolve(options.cwd, stdoutTo));
    const saved = { cwd: process.cwd(), env: process.env };
    process.chdir(options.cwd);
    process.env = { ...options.env };
    try {
      const io = { stdin, stdout: file ?? collect(stdout), stderr: collect(terminal ? stdout : stderr), env: options.env, signal: options.interrupt };
      const code = await main(args, io);
      if (file) await new Promise((resolve) => file.end(resolve));
      return { code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString('utf8') };
    } finally {
      process.chdir(saved.cwd);
      process.env = saved.env;
    }
  });
  mainRuns = run.catch(() => undefined);
  return run;
}

/** As runCli, always the executable, with the child at hand (e.g. to signal it). */
export function startCli(executable: string, args: string[], options: CliRunOptions): { child: ChildProcess; result: Promise<CliResult> } {
  const child = spawn(executable, args, { cwd: options.cwd, env: options.env, stdio: 'pipe' });
  options.interrupt?.addEventListener('abort', () => void catchesSigint(child).then(() => child.kill('SIGINT')), { once: true });
  return { child, result: collect(child, options.stdin) };
}

/**
 * Resolves once the child handles SIGINT (its bit in SigCgt of /proc/PID/status), as the CLI does
 * from its start: a Ctrl-C sent before then would kill it outright, which no user's Ctrl-C can do.
 */
async function catchesSigint(child: ChildProcess): Promise<void> {
  const SIGINT_BIT = 1n << 1n; // signal 2
  for (;;) {
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => undefined);
    const caught = status?.match(/^SigCgt:\s*([0-9a-f]+)$/m)?.[1];
    if (caught === undefined || child.exitCode !== null || (BigInt(`0x${caught}`) & SIGINT_BIT) !== 0n) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface TerminalRunOptions extends Omit<CliRunOptions, 'stdin'> {
  /** A file (relative to `cwd`) that stdout is redirected to, as `> FILE` would; else stdout is the terminal. */
  stdoutTo?: string;
}

/**
 * Runs the executable under a pseudo-terminal with util-linux `script`, so stdin, stdout and
 * stderr are terminals unless stdout is redirected; everything the terminal showed comes back as
 * `stdout`. Under Stryker, main() in this process, with streams that are terminals (see runMain).
 */
export async function runInTerminal(cli: LazyCli, args: string[], options: TerminalRunOptions): Promise<CliResult> {
  if (cliInProcess) return runMain(args, options, { terminal: true, stdoutTo: options.stdoutTo });
  const redirect = options.stdoutTo === undefined ? '' : ` > ${shellQuote(options.stdoutTo)}`;
  return runInPty(`${[await cli.executable(), ...args].map(shellQuote).join(' ')}${redirect}`, options);
}

/** Runs a shell command line under a pseudo-terminal (see runInTerminal); `script -e` exits with the command's code. */
function runInPty(commandLine: string, options: CliRunOptions): Promise<CliResult> {
  return collect(spawn('script', ['-qec', commandLine, '/dev/null'], { cwd: options.cwd, env: options.env, stdio: 'pipe' }), options.stdin);
}

export function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

function collect(child: ReturnType<typeof spawn>, stdin: CliRunOptions['stdin']): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout: Buffer.concat(stdout), stderr }));
    child.stdin!.on('error', () => undefined);
    if (stdin instanceof Readable) stdin.pipe(child.stdin!);
    else child.stdin!.end(stdin);
  });
}
