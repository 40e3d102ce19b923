// Run after `npm run generate` (preversion): fails when regeneration changed generated/, so a
// release never ships generated code that differs from what the committed spec produces.
import { execFileSync } from 'node:child_process';

const changes = execFileSync('git', ['status', '--porcelain', '--', 'generated'], { encoding: 'utf8' });
if (changes.trim() !== '') {
  console.error(`Regenerating changed generated/:\n${changes}Review the diff, commit it, then release.`);
  process.exitCode = 1;
}
