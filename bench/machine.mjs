import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** Where the numbers came from. */
export function describeMachine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus.length,
    memoryGB: (os.totalmem() / 1024 ** 3).toFixed(1),
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    commit: currentCommit(),
  };
}

function currentCommit() {
  try {
    const git = (...args) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], cwd: new URL('..', import.meta.url) }).trim();
    // The build includes uncommitted source changes, if any: say so.
    const dirty = git('status', '--porcelain', '--', 'src', 'generated') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' with uncommitted changes to src/ or generated/' : ''}`;
  } catch {
    return undefined;
  }
}

export function machineLine(machine) {
  return `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGB} GB RAM, Node ${machine.node}, ${machine.os}`;
}
