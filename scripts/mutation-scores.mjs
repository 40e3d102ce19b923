// Per-module mutation scores from Stryker's JSON report, against the targets of docs/testing.md:
// 85% for every handwritten module, 90% for the error mapping, retries, SSE decoding and the
// realtime connection. Exits 1 when a module falls short. Several reports (runs over parts of src/)
// can be given, also runs over line ranges of one module (`--mutate src/x.ts:1-90`): a mutant
// found in more than one report is taken from the last.
// With --survivors it prints instead every mutant no test detected (survived or not covered), per
// module, with the line it is on: the list docs/mutation/survivors.md is made from.
import { readFileSync } from 'node:fs';

const STRICT = [/src\/errors\.ts$/, /src\/retry\.ts$/, /src\/speech-stream\.ts$/, /src\/realtime\/connection\.ts$/];
const args = process.argv.slice(2);
const survivorsOnly = args.includes('--survivors');
const given = args.filter((arg) => arg !== '--survivors');
const paths = given.length > 0 ? given : ['reports/mutation/mutation.json'];
/** file → mutant (by place and replacement: ids differ between runs) → mutant */
const byFile = new Map();
const sources = new Map();
for (const path of paths) {
  for (const [file, { mutants, source }] of Object.entries(JSON.parse(readFileSync(path, 'utf8')).files)) {
    if (!byFile.has(file)) byFile.set(file, new Map());
    sources.set(file, source);
    for (const m of mutants) {
      const { start, end } = m.location;
      byFile.get(file).set(`${start.line}:${start.column}-${end.line}:${end.column} ${m.mutatorName} ${m.replacement}`, m);
    }
  }
}
const files = Object.fromEntries([...byFile].map(([file, mutants]) => [file, { mutants: [...mutants.values()] }]));

/** `text` on one line, cut after 90 characters. */
const brief = (text) => {
  const line = text.trim().replace(/\s+/g, ' ');
  return line.length > 90 ? `${line.slice(0, 90)}…` : line;
};

if (survivorsOnly) {
  for (const [file, { mutants }] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const undetected = mutants
      .filter((m) => m.status === 'Survived' || m.status === 'NoCoverage')
      .sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column);
    if (undetected.length === 0) continue;
    const lines = sources.get(file).split('\n');
    console.log(`\n### ${file} (${undetected.length})\n`);
    for (const m of undetected) {
      const { line, column } = m.location.start;
      console.log(
        `- L${line}:${column} ${m.mutatorName}${m.status === 'NoCoverage' ? ' (no coverage)' : ''} → \`${brief(m.replacement)}\` in \`${brief(lines[line - 1])}\``,
      );
    }
  }
  process.exit(0);
}

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
