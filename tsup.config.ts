import { defineConfig } from 'tsup';

// Two entries. web (browsers, workers: every export condition but "node") imports no Node
// built-in. index is the "node" condition (Node, Bun, Deno); its ES module is replaced after the
// build (scripts/finish-build.mjs, `npm run build`) by one that re-exports its CommonJS build: one
// copy of the package in a process however it is loaded, and Node loads axios's single-file
// CommonJS build instead of its many ES modules, which halves the cold import.
export default defineConfig({
  entry: ['src/index.ts', 'src/web.ts'],
  format: ['cjs', 'esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  outExtension: ({ format }) => ({ js: format === 'cjs' ? '.cjs' : '.mjs' }),
});
