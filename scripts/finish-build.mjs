// After tsup: on Node, the ES modules of the entries load their CommonJS builds instead (see
// tsup.config.ts). They require them and name each export, rather than `export * from` them, so
// that Node need not scan the whole CommonJS bundle for its export names on every cold import.
import { createRequire } from 'node:module';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const require = createRequire(import.meta.url);

for (const [cjs, mjs] of [
  ['index.cjs', 'index.mjs'],
  ['api.cjs', 'api.node.mjs'],
]) {
  const names = Object.keys(require(path.join(dist, cjs))).filter((name) => name !== '__esModule');
  writeFileSync(
    path.join(dist, mjs),
    `import { createRequire } from 'node:module';\nconst cjs = createRequire(import.meta.url)('./${cjs}');\nexport const { ${names.join(', ')} } = cjs;\n`,
  );
  rmSync(path.join(dist, `${mjs}.map`), { force: true });
}
