// Fails when generated/ differs from what openapi.yaml, openapitools.json and templates/ produce.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { makeWorkspaceCopy, root } from './workspace-copy.mjs';

const scratch = makeWorkspaceCopy('together-audio-check-');
try {
  execFileSync('node', ['scripts/generate.mjs'], { cwd: scratch, env: { ...process.env, PWD: scratch }, stdio: 'inherit' });
  try {
    execFileSync('git', ['diff', '--no-index', '--stat', '--exit-code', path.join(root, 'generated'), path.join(scratch, 'generated')], {
      stdio: 'inherit',
    });
    console.log('generated/ matches openapi.yaml, openapitools.json and templates/');
  } catch {
    console.error('generated/ is out of date: run `npm run generate` and commit the result.');
    process.exitCode = 1;
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
