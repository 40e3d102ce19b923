import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * openapi.yaml is Together's contract in our words: the generator must see the same document in it
 * as in Together's published one. The corrections live in openapi.overlay.yaml.
 */

const root = path.resolve(__dirname, '..');
const reference = (name: string): string => path.resolve(root, '..', 'shared', 'reference', name);

/** Runs an ES module snippet with the repository's scripts importable, and parses what it prints. */
function evaluate<T>(source: string): T {
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', source], { cwd: root, encoding: 'utf8' });
  return JSON.parse(output) as T;
}

const overlayResult = (specPath: string): { unused: string[]; equalToCommitted: boolean } =>
  evaluate(`
    import { readFileSync } from 'node:fs';
    import { isDeepStrictEqual } from 'node:util';
    import { parse } from 'yaml';
    import { applyOverlay } from './scripts/spec/overlay.mjs';
    import { structureOf } from './scripts/spec/structure.mjs';
    const load = (file) => parse(readFileSync(file, 'utf8'));
    const theirs = await applyOverlay(load(${JSON.stringify(specPath)}), 'openapi.overlay.yaml');
    const ours = await applyOverlay(load('openapi.yaml'), 'openapi.overlay.yaml');
    console.log(JSON.stringify({
      unused: theirs.unused.map((action) => action.target),
      equalToCommitted: isDeepStrictEqual(structureOf(theirs.spec), structureOf(ours.spec)),
    }));
  `);

test("apart from prose, openapi.yaml is Together's published audio contract", () => {
  const differences = evaluate<string[]>(`
    import { readFileSync } from 'node:fs';
    import { parse } from 'yaml';
    import { structureOf } from './scripts/spec/structure.mjs';
    import { isDeepStrictEqual } from 'node:util';
    const ours = structureOf(parse(readFileSync('openapi.yaml', 'utf8')));
    const theirs = structureOf(parse(readFileSync(${JSON.stringify(reference('together-audio-openapi.yaml'))}, 'utf8')));
    const differences = [];
    const walk = (a, b, at) => {
      if (isDeepStrictEqual(a, b)) return;
      if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
        for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[key], b[key], at + '/' + key);
      } else differences.push(at);
    };
    walk(ours, theirs, '#');
    console.log(JSON.stringify(differences));
  `);
  expect(differences).toEqual([]);
});

test("every overlay action applies to Together's document and gives what the committed spec gives", () => {
  expect(overlayResult(reference('together-audio-openapi.yaml'))).toEqual({ unused: [], equalToCommitted: true });
});

test('the overlaid spec passes redocly lint with no errors or warnings (exceptions in .redocly.lint-ignore.yaml)', () => {
  execFileSync(process.execPath, ['scripts/spec/overlay.mjs'], { cwd: root, stdio: 'ignore' });
  let output: string;
  try {
    output = execFileSync('npx', ['--no-install', 'redocly', 'lint', 'build/openapi.overlaid.yaml', '--format=json'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (error) {
    output = String((error as { stdout?: string }).stdout);
  }
  const report = JSON.parse(output.slice(output.indexOf('{'))) as { totals: { errors: number; warnings: number } };
  expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
});
