import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { version } from '../package.json';
import { runExecutable } from '../src/cli/main';

/** What process.exit() was called with; thrown, since a real exit never returns. */
class Exited {
  constructor(readonly code: number | undefined) {}
}

/** The code `act` exits the process with (it must exit). */
function exitCodeOf(act: () => void): number | undefined {
  try {
    act();
  } catch (error) {
    if (error instanceof Exited) return error.code;
    throw error;
  }
  throw new Error('did not exit');
}

/** A process as runExecutable sees it: arguments, environment, streams, signals, exit and exit code. */
function fakeProcess(args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const proc = Object.assign(new EventEmitter(), {
    argv: ['node', 'together-audio', ...args],
    env: { TOGETHER_API_KEY: 'test-key' } as NodeJS.ProcessEnv,
    stdin: Readable.from([]),
    stdout,
    stderr,
    exitCode: undefined as number | undefined,
    exit(code?: number): never {
      throw new Exited(code);
    },
  });
  runExecutable(proc as unknown as NodeJS.Process);
  const text = (stream: PassThrough) => () => stream.read()?.toString('utf8') ?? '';
  /** Resolves once main() has set the exit code. */
  const settled = async () => {
    while (proc.exitCode === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    return proc.exitCode;
  };
  return { proc, stdout: text(stdout), stderr: text(stderr), settled };
}

/** A server that accepts requests and never answers them; closes with the test. */
let silent: Server;
beforeAll(async () => {
  silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  silent.closeAllConnections();
  await new Promise((resolve) => silent.close(resolve));
});
const silentURL = () => `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1`;

describe('the executable', () => {
  test("runs the command line after node and the script's path, and exits with main()'s code", async () => {
    const printed = fakeProcess(['--version']);
    expect([await printed.settled(), printed.stdout()]).toEqual([0, `${version}\n`]);
    const unknown = fakeProcess(['dance']);
    expect([await unknown.settled(), unknown.stderr()]).toEqual([2, expect.stringMatching(/^together-audio: Unknown command "dance"/)]);
  });

  test('the first Ctrl-C stops the call under way (exit 130); a second exits 130 at once', async () => {
    const run = fakeProcess(['voices', '--base-url', silentURL()]);
    await new Promise((resolve) => silent.once('request', resolve));
    run.proc.emit('SIGINT');
    expect(await run.settled()).toBe(130);
    expect(exitCodeOf(() => run.proc.emit('SIGINT'))).toBe(130);
  });

  test('a reader that goes away (EPIPE on stdout, as with `| head`) exits 0; any other stdout error is thrown', () => {
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    expect(exitCodeOf(() => fakeProcess(['--version']).proc.stdout.emit('error', epipe))).toBe(0);
    const full = Object.assign(new Error('write ENOSPC'), { code: 'ENOSPC' });
    expect(() => fakeProcess(['--version']).proc.stdout.emit('error', full)).toThrow(full);
  });
});
