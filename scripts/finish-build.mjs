// After tsup: the Node entry's ES module re-exports its CommonJS build instead (see tsup.config.ts).
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
writeFileSync(path.join(dist, 'index.mjs'), "export * from './index.cjs';\n");
rmSync(path.join(dist, 'index.mjs.map'), { force: true });
