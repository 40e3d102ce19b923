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
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

export function machineLine(machine) {
  return `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGB} GB RAM, Node ${machine.node}, ${machine.os}`;
}
