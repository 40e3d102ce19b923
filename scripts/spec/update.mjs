// `npm run spec:update -- <file>`: takes Together's published openapi.yaml (whole, or only its
// audio part), keeps the Audio and Voices operations with what they reference, writes openapi.yaml,
// regenerates generated/, and prints what changed for users of the client against the previous
// openapi.yaml (both with the overlay applied, since that is what the client is generated from).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { compareSpecs, formatReport } from './changes.mjs';
import { extractAudio } from './extract.mjs';
import { applyOverlay } from './overlay.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const YAML_STYLE = { lineWidth: 100, indentSeq: false, singleQuote: true };
const OURS = new Set(['description', 'summary', 'title', 'example', 'examples']);

/** Our wording and examples are kept wherever the element still exists; new elements arrive with Together's. */
function carryProse(next, previous) {
  if (Array.isArray(next)) return next.map((item, i) => carryProse(item, Array.isArray(previous) ? previous[i] : undefined));
  if (next === null || typeof next !== 'object') return next;
  const before = previous !== null && typeof previous === 'object' && !Array.isArray(previous) ? previous : {};
  const out = {};
  for (const [key, value] of Object.entries(next)) out[key] = OURS.has(key) && key in before ? before[key] : carryProse(value, before[key]);
  for (const key of Object.keys(before)) if (OURS.has(key) && !(key in out)) out[key] = before[key];
  return out;
}

function usage(message) {
  console.error(`${message}\nusage: npm run spec:update -- <together-openapi.yaml> [--report <file.md>] [--no-generate]`);
  process.exit(2);
}

let options;
try {
  options = parseArgs({ allowPositionals: true, options: { report: { type: 'string' }, 'no-generate': { type: 'boolean' } } });
} catch (error) {
  usage(error.message);
}
const [input, ...extra] = options.positionals;
if (!input || extra.length) usage("Give one file: the path of Together's openapi.yaml.");
const reportFile = options.values.report;

let source;
try {
  source = parse(readFileSync(path.resolve(input), 'utf8'));
} catch (error) {
  usage(`Cannot read ${input} as YAML or JSON: ${error.message}`);
}
if (!source || typeof source.openapi !== 'string' || typeof source.paths !== 'object') usage(`${input} is not an OpenAPI 3 document.`);

const specPath = path.join(root, 'openapi.yaml');
const overlayPath = path.join(root, 'openapi.overlay.yaml');
const previousText = readFileSync(specPath, 'utf8');
const previous = parse(previousText);
/** The comment block that opens openapi.yaml, kept across updates. */
const header = previousText.match(/^(#.*\n)*/)[0];
const next = carryProse(extractAudio(source), previous);
if (!Object.keys(next.paths).length) usage(`${input} has no operation tagged Audio or Voices.`);

const [before, after] = await Promise.all([applyOverlay(previous, overlayPath), applyOverlay(next, overlayPath)]);
const report = formatReport(compareSpecs(before.spec, after.spec));
for (const action of after.unused) console.warn(`overlay: no match for ${action.target}; review openapi.overlay.yaml (${action.description ?? ''})`);

writeFileSync(specPath, header + stringify(next, YAML_STYLE));
if (!options.values['no-generate']) execFileSync(process.execPath, [path.join(root, 'scripts', 'generate.mjs')], { cwd: root, stdio: 'inherit' });
if (reportFile) writeFileSync(path.resolve(reportFile), `${report}\n`);
console.log(`## Changes from Together's spec\n\n${report}`);
