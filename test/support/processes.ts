import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const repoBin = (name: string): string => path.join(repoRoot, 'node_modules', '.bin', name);
/** The repository's own TypeScript compiler, so no consumer project downloads one. */
export const tscPath = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');

export interface RunOptions {
  cwd: string;
  /** The child's whole environment; this process's by default. */
  env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; a non-zero exit rejects with the command's output in the message. */
export function run(command: string, args: string[], { cwd, env }: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env: env ?? process.env, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) failed: ${error.message}\n${stdout}\n${stderr}`));
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

export interface StartOptions extends RunOptions {
  /** Matched against everything the child has written; the server is ready once it matches. */
  ready: RegExp;
  readyTimeoutMs?: number;
}

export interface RunningChild {
  readonly process: ChildProcess;
  /** The `ready` match, e.g. to read the address the child is listening on. */
  readonly ready: RegExpExecArray;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts a long-running child (a server) and resolves once its output matches `ready`. The child's
 * stdin is a pipe held open by this process, so a child that watches it also dies with the tests.
 */
export function startChild(command: string, args: string[], options: StartOptions): Promise<RunningChild> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: 'pipe' });
  let output = '';
  const stop = (): Promise<void> => stopChild(child);
  return new Promise((resolve, reject) => {
    const fail = (reason: string): void => {
      clearTimeout(timer);
      void stop().then(() => reject(new Error(`${command} ${args.join(' ')}: ${reason}\n${output}`)));
    };
    const timer = setTimeout(() => fail('not ready in time'), options.readyTimeoutMs ?? 30_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const match = options.ready.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.off('exit', onEarlyExit);
      resolve({ process: child, ready: match, output: () => output, stop });
    };
    const onEarlyExit = (code: number | null): void => fail(`exited with ${code} before it was ready`);
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', onEarlyExit);
    child.on('error', (error) => fail(error.message));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.stdin?.end();
    child.kill('SIGTERM');
  });
}
