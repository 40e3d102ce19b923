// A scratch copy of the generator inputs, for regenerating without touching the working tree.
import { cpSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const copied = ['openapi.yaml', 'openapi.overlay.yaml', 'openapitools.json', 'templates', 'scripts', 'generated', 'src', 'package.json', 'tsconfig.json'];
const linked = ['node_modules', '.openapi-generator-jar'];

export function makeWorkspaceCopy(prefix = 'together-audio-') {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  for (const name of copied) cpSync(path.join(root, name), path.join(dir, name), { recursive: true });
  mkdirSync(path.join(root, '.openapi-generator-jar'), { recursive: true });
  for (const name of linked) symlinkSync(path.join(root, name), path.join(dir, name));
  return dir;
}
