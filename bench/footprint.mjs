// Footprint, measured in the same run for this package, together-ai and openai: cold ESM import
// plus construction (fresh Node processes, interleaved), the minified browser bundle of an app that
// calls speech (whole and streamed) and voices, and the runtime dependencies installed with each.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { bundleApp, repoRoot } from '../scripts/bundle-app.mjs';
import { median } from './stats.mjs';

const SPEECH = `{ model: 'cartesia/sonic', input: 'Hello', voice: 'helpful woman' }`;

/** Each package: how it is imported and constructed, and the app the bundle is measured for. */
export const FOOTPRINT_SUBJECTS = {
  package: {
    label: '@together-audio/client',
    name: '@together-audio/client',
    construct: `const { TogetherAudio } = await import('@together-audio/client'); new TogetherAudio({ apiKey: 'k' });`,
    app: `import { TogetherAudio } from '@together-audio/client';
const client = new TogetherAudio({ apiKey: 'k', dangerouslyAllowBrowser: true });
export async function run() {
  const audio = await client.speech.create(${SPEECH});
  for await (const pcm of client.speech.stream(${SPEECH})) console.log(pcm.length);
  return [audio, await client.voices.list()];
}`,
  },
  'together-ai': {
    label: 'together-ai',
    name: 'together-ai',
    construct: `const { default: Together } = await import('together-ai'); new Together({ apiKey: 'k' });`,
    app: `import Together from 'together-ai';
const client = new Together({ apiKey: 'k', dangerouslyAllowBrowser: true });
export async function run() {
  const audio = await (await client.audio.speech.create(${SPEECH})).arrayBuffer();
  for await (const event of await client.audio.speech.create({ ...${SPEECH}, stream: true })) console.log(event);
  return [audio, await client.audio.voices.list()];
}`,
  },
  openai: {
    label: 'openai',
    name: 'openai',
    construct: `const { default: OpenAI } = await import('openai'); new OpenAI({ apiKey: 'k' });`,
    // openai has no voice catalogue: the model list is its nearest call.
    app: `import OpenAI from 'openai';
const client = new OpenAI({ apiKey: 'k', dangerouslyAllowBrowser: true });
export async function run() {
  const audio = await (await client.audio.speech.create({ model: 'tts-1', input: 'Hello', voice: 'alloy' })).arrayBuffer();
  const events = await client.audio.speech.create({ model: 'tts-1', input: 'Hello', voice: 'alloy', stream_format: 'sse' });
  console.log(events);
  return [audio, await client.models.list()];
}`,
  },
};

/** Milliseconds from the first import to a constructed client, in a fresh Node process. */
async function coldImport(subject) {
  const code = `const started = performance.now(); ${subject.construct} process.stdout.write(String(performance.now() - started));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], { cwd: repoRoot });
  return Number(stdout);
}

/** Every package installed with `name` (its dependencies and theirs, optional ones included when installed). */
function runtimeDependencies(name) {
  const seen = new Set();
  const visit = (dir) => {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      const found = locate(dependency, dir);
      if (!found || seen.has(found)) continue;
      seen.add(found);
      visit(found);
    }
  };
  visit(name === '@together-audio/client' ? repoRoot : locate(name, repoRoot));
  return seen.size;
}

/** Where Node would find `name` from `dir`: the nearest node_modules up the tree. */
function locate(name, dir) {
  for (let current = dir; ; current = path.dirname(current)) {
    const candidate = path.join(current, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(current) === current) return undefined;
  }
}

export async function measureFootprint({ rounds = 7 } = {}) {
  const keys = Object.keys(FOOTPRINT_SUBJECTS);
  const imports = Object.fromEntries(keys.map((key) => [key, []]));
  for (let round = 0; round < rounds; round++) {
    for (const key of keys) imports[key].push(await coldImport(FOOTPRINT_SUBJECTS[key]));
  }
  const results = {};
  for (const key of keys) {
    const bundle = await bundleApp({ contents: FOOTPRINT_SUBJECTS[key].app }, { conditions: ['browser'], minify: true });
    results[key] = {
      coldImportMs: median(imports[key]),
      bundleBytes: Buffer.byteLength(bundle),
      bundleGzipBytes: gzipSync(bundle).length,
      runtimeDependencies: runtimeDependencies(FOOTPRINT_SUBJECTS[key].name),
    };
  }
  return results;
}

const ROWS = [
  { name: 'Cold ESM import + construction (median)', field: 'coldImportMs', format: (value) => `${value.toFixed(1)} ms` },
  { name: 'Browser bundle, minified (speech.create, speech.stream, voices)', field: 'bundleBytes', format: kb },
  { name: 'Same bundle, gzipped', field: 'bundleGzipBytes', format: kb },
  { name: 'Runtime dependencies installed', field: 'runtimeDependencies', format: String },
];

function kb(bytes) {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

/** Header and rows: each package's figure, and this package's ratio to together-ai and to openai (lower is smaller or faster). */
export function footprintTable(results) {
  const ratio = (row, other) => {
    const base = results[other][row.field];
    return base === 0 ? (results.package[row.field] === 0 ? '1.00×' : '∞') : `${(results.package[row.field] / base).toFixed(2)}×`;
  };
  return {
    header: ['Footprint', ...Object.values(FOOTPRINT_SUBJECTS).map((subject) => subject.label), 'vs together-ai', 'vs openai'],
    body: ROWS.map((row) => [
      row.name,
      ...Object.keys(FOOTPRINT_SUBJECTS).map((key) => row.format(results[key][row.field])),
      ratio(row, 'together-ai'),
      ratio(row, 'openai'),
    ]),
  };
}
