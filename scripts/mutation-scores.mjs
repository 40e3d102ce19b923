// Per-module mutation scores from Stryker's JSON report, against the targets of docs/testing.md:
// 85% for every handwritten module, 90% for the error mapping, retries, SSE decoding and the
// realtime connection. Exits 1 when a module falls short. Several reports (runs over parts of src/)
// can be given; a module in more than one is taken from the last.
import { readFileSync } from 'node:fs';

const STRICT = [/src\/errors\.ts$/, /src\/retry\.ts$/, /src\/speech-stream\.ts$/, /src\/realtime\/connection\.ts$/];
const paths = process.argv.length > 2 ? process.argv.slice(2) : ['reports/mutation/mutation.json'];
const files = Object.assign({}, ...paths.map((file) => JSON.parse(readFileSync(file, 'utf8')).files));

let failed = false;
const rows = [];
for (const [file, { mutants }] of Object.entries(files)) {
  const count = (...statuses) => mutants.filter((m) => statuses.includes(m.status)).length;
  const detected = count('Killed', 'Timeout');
  const undetected = count('Survived', 'NoCoverage');
  if (detected + undetected === 0) continue;
  const score = (100 * detected) / (detected + undetected);
  const target = STRICT.some((pattern) => pattern.test(file)) ? 90 : 85;
  const ok = score >= target;
  failed ||= !ok;
  rows.push(`| ${file} | ${score.toFixed(1)}% | ${target}% | ${detected} | ${count('Survived')} | ${count('NoCoverage')} | ${ok ? 'met' : 'NOT MET'} |`);
}
console.log(['| module | score | target | killed | survived | no coverage | |', '| --- | --- | --- | --- | --- | --- | --- |', ...rows.sort()].join('\n'));
process.exitCode = failed ? 1 : 0;
