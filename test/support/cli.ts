import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build, type Options } from 'tsup';
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
  /** Written to stdin, which is then closed; stdin is empty (closed) otherwise. */
  stdin?: Buffer | string;
}

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
  await build({ ...cli, outDir, config: false, silent: true, sourcemap: false });
  return { executable: path.join(outDir, 'cli.cjs'), remove: () => rmSync(outDir, { recursive: true, force: true }) };
}

/** Runs the executable itself (its shebang picks node) with pipes for stdin, stdout and stderr. */
export function runCli(executable: string, args: string[], options: CliRunOptions): Promise<CliResult> {
  return startCli(executable, args, options).result;
}

/** As runCli, with the child at hand (e.g. to signal it). */
export function startCli(executable: string, args: string[], options: CliRunOptions): { child: ChildProcess; result: Promise<CliResult> } {
  const child = spawn(executable, args, { cwd: options.cwd, env: options.env, stdio: 'pipe' });
  return { child, result: collect(child, options.stdin) };
}

/**
 * Runs a shell command line under a pseudo-terminal with util-linux `script`, so stdout and stderr
 * are terminals unless the command line redirects them. `script -e` exits with the command's code;
 * everything the terminal showed comes back as `stdout`.
 */
export function runInPty(commandLine: string, options: CliRunOptions): Promise<CliResult> {
  return collect(spawn('script', ['-qec', commandLine, '/dev/null'], { cwd: options.cwd, env: options.env, stdio: 'pipe' }), options.stdin);
}

export function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

function collect(child: ReturnType<typeof spawn>, stdin: Buffer | string | undefined): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout: Buffer.concat(stdout), stderr }));
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(stdin);
  });
}
