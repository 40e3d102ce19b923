// npm run test:mutation: Stryker over src/ in parts of about PART_LINES lines, one part after
// another, all sharing the incremental file of stryker.config.json. A whole run takes hours; a part
// that has finished is kept when the run is stopped, and the next run retests only the mutants whose
// code or tests changed. Stryker carries the other parts' results into each part's report, so after
// the last part reports/mutation/mutation.json covers all of src/, and mutation-scores.mjs prints
// its table (exit 1 when a module is under its target).
// Arguments go to every `stryker run` (`--force`, `--concurrency 1`); with `--mutate` there is one
// run over what it names.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const PART_LINES = 700;
const args = process.argv.slice(2);

/** @returns {string[][]} the .ts files of src/ in path order, cut into parts of at most PART_LINES (a longer file is a part alone) */
function parts() {
  const files = readdirSync('src', { recursive: true })
    .map((name) => join('src', String(name)))
    .filter((path) => path.endsWith('.ts'))
    .sort();
  const result = [[]];
  let lines = 0;
  for (const file of files) {
    const count = readFileSync(file, 'utf8').split('\n').length;
    if (lines > 0 && lines + count > PART_LINES) {
      result.push([]);
      lines = 0;
    }
    result.at(-1).push(file);
    lines += count;
  }
  return result;
}

function run(command, commandArgs) {
  const { status } = spawnSync(command, commandArgs, { stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}

const stryker = (extra) => run('npx', ['stryker', 'run', ...extra, ...args]);

if (args.includes('--mutate')) {
  stryker([]);
} else {
  const all = parts();
  for (const [index, files] of all.entries()) {
    console.log(`\nmutation part ${index + 1} of ${all.length}: ${files.join(' ')}\n`);
    stryker(['--mutate', files.join(',')]);
  }
}
run(process.execPath, ['scripts/mutation-scores.mjs']);
