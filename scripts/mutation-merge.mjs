// Merges Stryker reports (incremental files or JSON reports) measured on other commits or in other
// worktrees into one incremental file for this tree, so that `npm run test:mutation` reuses them:
//   node scripts/mutation-merge.mjs reports/stryker-incremental.json a.json b.json ...
// A mutant's result is kept only where the code it mutates is unchanged in the current tree; a test
// only where its own code is (from its start to the next test's). A killed mutant needs one of its
// killing tests kept, a surviving one all its covering tests: stricter than Stryker's own reuse,
// which then applies on top. Reports are taken oldest first (by file time), so a newer one wins.
// Static mutants are left out: with ignoreStatic they are not run, and a result from a run that
// ran them would be reused as if they had been.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import DiffMatchPatch from 'diff-match-patch';

const dmp = new DiffMatchPatch();
dmp.Diff_Timeout = 10;

const [out, ...inputs] = process.argv.slice(2);
const current = (rel) => (existsSync(rel) ? readFileSync(rel, 'utf8') : undefined);

const lineStarts = (text) => {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
};
const toIndex = (starts, { line, column }) => (line - 1 >= starts.length ? Number.POSITIVE_INFINITY : starts[line - 1] + column - 1);
const toPos = (starts, index) => {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= index) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: index - starts[lo] + 1 };
};

/** maps old index ranges to new ones when every char of [a,b) is in an EQUAL run */
function mapper(oldText, newText) {
  const diffs = oldText === newText ? [[0, oldText]] : dmp.diff_main(oldText, newText);
  if (oldText !== newText) dmp.diff_cleanupSemantic(diffs);
  const runs = []; // [oldStart, oldEnd, newStart]
  let o = 0;
  let n = 0;
  for (const [op, text] of diffs) {
    if (op === 0) {
      runs.push([o, o + text.length, n]);
      o += text.length;
      n += text.length;
    } else if (op === -1) o += text.length;
    else n += text.length;
  }
  const oldStarts = lineStarts(oldText);
  const newStarts = lineStarts(newText);
  return (location) => {
    const a = toIndex(oldStarts, location.start);
    const b = location.end ? Math.min(toIndex(oldStarts, location.end), oldText.length) : a + 1;
    const run = runs.find(([s, e]) => s <= a && b <= e);
    if (!run) return undefined;
    const shift = run[2] - run[0];
    return {
      start: toPos(newStarts, a + shift),
      ...(location.end ? { end: toPos(newStarts, b + shift) } : {}),
    };
  };
}

const relative = (report, name) => (name.startsWith('/') ? name.slice(report.projectRoot.length + 1) : name);
const testKey = (file, start, name) => `${file}@${start.line}:${start.column}\n${name}`;

const mutantsByKey = new Map();
const testsByKey = new Map();
const ordered = inputs.map((path) => ({ path, time: statSync(path).mtimeMs })).sort((x, y) => x.time - y.time);
for (const { path } of ordered) {
  const report = JSON.parse(readFileSync(path, 'utf8'));
  const testIdMap = new Map();
  for (const [name, testFile] of Object.entries(report.testFiles ?? {})) {
    const file = relative(report, name);
    const now = current(file);
    if (now === undefined || testFile.source === undefined) continue;
    const map = mapper(testFile.source, now);
    const sorted = [...testFile.tests]
      .filter((t) => t.location?.start)
      .sort((x, y) => x.location.start.line - y.location.start.line || x.location.start.column - y.location.start.column);
    const starts = [...new Set(sorted.map((t) => `${t.location.start.line}:${t.location.start.column}`))];
    for (const test of sorted) {
      const at = starts.indexOf(`${test.location.start.line}:${test.location.start.column}`);
      const next = starts[at + 1]?.split(':').map(Number);
      const end = next ? { line: next[0], column: next[1] } : { line: testFile.source.split('\n').length + 1, column: 1 };
      const mapped = map({ start: test.location.start, end });
      if (!mapped) continue;
      const key = testKey(file, mapped.start, test.name);
      testIdMap.set(test.id, key);
      testsByKey.set(key, { file, name: test.name, start: mapped.start });
    }
  }
  let kept = 0;
  let total = 0;
  for (const [name, srcFile] of Object.entries(report.files)) {
    const file = relative(report, name);
    const now = current(file);
    if (now === undefined) continue;
    const map = mapper(srcFile.source, now);
    for (const mutant of srcFile.mutants) {
      total++;
      if (mutant.status === 'Pending') continue;
      const location = map(mutant.location);
      if (!location) continue;
      const key = `${file}@${location.start.line}:${location.start.column}-${location.end.line}:${location.end.column}\n${mutant.mutatorName}: ${mutant.replacement}`;
      // A static mutant is not run (ignoreStatic): an older result for it, from a run that did run
      // it, must not outlive a newer run that ignored it, or Stryker would reuse it.
      if (mutant.status === 'Ignored' || mutant.static) {
        mutantsByKey.delete(key);
        continue;
      }
      const killedBy = (mutant.killedBy ?? []).map((id) => testIdMap.get(id)).filter(Boolean);
      const coveredBy = (mutant.coveredBy ?? []).map((id) => testIdMap.get(id)).filter(Boolean);
      if (mutant.status === 'Killed' && killedBy.length === 0) continue;
      if (mutant.status !== 'Killed' && coveredBy.length !== (mutant.coveredBy ?? []).length) continue;
      mutantsByKey.set(key, { file, mutant: { ...mutant, location, killedBy, coveredBy } });
      kept++;
    }
  }
  console.log(`${path}: kept ${kept} of ${total} mutants`);
}

const ids = new Map([...testsByKey.keys()].map((key, index) => [key, String(index)]));
const testFiles = {};
for (const [key, test] of testsByKey) {
  testFiles[test.file] ??= { source: current(test.file), tests: [] };
  testFiles[test.file].tests.push({ id: ids.get(key), name: test.name, location: { start: test.start } });
}
const files = {};
let next = 0;
for (const { file, mutant } of mutantsByKey.values()) {
  files[file] ??= { language: 'typescript', source: current(file), mutants: [] };
  files[file].mutants.push({
    ...mutant,
    id: String(next++),
    killedBy: mutant.killedBy.map((key) => ids.get(key)),
    coveredBy: mutant.coveredBy.map((key) => ids.get(key)),
  });
}
const base = JSON.parse(readFileSync(ordered.at(-1).path, 'utf8'));
writeFileSync(out, JSON.stringify({ ...base, projectRoot: process.cwd(), files, testFiles }));
for (const [file, { mutants }] of Object.entries(files).sort()) {
  const counts = {};
  for (const m of mutants) counts[m.status] = (counts[m.status] ?? 0) + 1;
  console.log(file.padEnd(36), mutants.length, JSON.stringify(counts));
}
