// Regenerates generated/ from openapi.yaml with openapi.overlay.yaml applied, using the generator
// and options pinned in openapitools.json.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureGeneratorJar } from './ensure-generator-jar.mjs';
import { writeOverlaidSpec } from './spec/overlay.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

ensureGeneratorJar(root);
await writeOverlaidSpec(root);
rmSync(path.join(root, 'generated'), { recursive: true, force: true });
execFileSync('npx', ['--no-install', 'openapi-generator-cli', 'generate', '--generator-key', 'audio'], {
  cwd: root,
  env: { ...process.env, PWD: root },
  stdio: ['ignore', 'ignore', 'inherit'],
});
