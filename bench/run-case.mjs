import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./worker.mjs', import.meta.url));

/** Runs one case for one client in a forked worker; resolves with its report, never rejects. */
export function runCaseInChild(job) {
  return new Promise((resolve) => {
    const child = fork(WORKER, [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let report;
    child.once('message', (message) => (report = message));
    child.once('error', (error) => (report ??= { ok: false, error: String(error) }));
    child.once('exit', (code, signal) => resolve(report ?? { ok: false, error: `worker exited (${signal ?? `code ${code}`}) without a report` }));
    child.send(job);
  });
}
