// Per-module mutation scores from Stryker's JSON report, against the targets of docs/testing.md:
// 85% for every handwritten module, 90% for the error mapping, retries, SSE decoding and the
// realtime connection. Exits 1 when a module falls short. Several reports (runs over parts of src/)
// can be given, also runs over line ranges of one module (`--mutate src/x.ts:1-90`): a mutant
// found in more than one report is taken from the last.
import { readFileSync } from 'node:fs';

const STRICT = [/src\/errors\.ts$/, /src\/retry\.ts$/, /src\/speech-stream\.ts$/, /src\/realtime\/connection\.ts$/];
const paths = process.argv.length > 2 ? process.argv.slice(2) : ['reports/mutation/mutation.json'];
/** file → mutant (by place and replacement: ids differ between runs) → mutant */
const byFile = new Map();
for (const path of paths) {
  for (const [file, { mutants }] of Object.entries(JSON.parse(readFileSync(path, 'utf8')).files)) {
    if (!byFile.has(file)) byFile.set(file, new Map());
    for (const m of mutants) {
      const { start, end } = m.location;
      byFile.get(file).set(`${start.line}:${start.column}-${end.line}:${end.column} ${m.mutatorName} ${m.replacement}`, m);
    }
  }
}
const files = Object.fromEntries([...byFile].map(([file, mutants]) => [file, { mutants: [...mutants.values()] }]));

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
