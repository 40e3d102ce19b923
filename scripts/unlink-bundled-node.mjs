// The Node 22 and 24 binaries of the runtime matrix come from the npm packages `node@22` and
// `node@24` (devDependencies node22 and node24). Each also links itself as node_modules/.bin/node,
// which npm puts first on the PATH of every script: `npm test` would then run on Node 22 instead
// of the machine's Node. This removes that link; the matrix calls the binaries by their path.
import { lstatSync, readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';

const link = path.join(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..', 'node_modules', '.bin', 'node');
try {
  if (lstatSync(link).isSymbolicLink() && /node(22|24)/.test(readlinkSync(link))) rmSync(link);
} catch (error) {
  if (error.code !== 'ENOENT') throw error;
}
