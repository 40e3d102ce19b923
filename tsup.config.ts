import { defineConfig } from 'tsup';

const shared = { sourcemap: true, target: 'es2022' } as const;

// The library has three entries. web (browsers, workers: every export condition but "node") imports
// no Node built-in. index is the "node" condition (Node, Bun, Deno); its ES module is replaced
// after the build (scripts/finish-build.mjs, `npm run build`) by one that re-exports its CommonJS
// build: one copy of the package in a process however it is loaded, and Node loads axios's
// single-file CommonJS build instead of its many ES modules. api holds the generated API classes,
// which import axios; Node's ES module of it re-exports its CommonJS build for the same reason.
export default defineConfig([
  {
    ...shared,
    entry: ['src/index.ts', 'src/web.ts', 'src/api.ts'],
    format: ['cjs', 'esm'],
    dts: true,
    // Both builds run at once; leave the CLI's output to its own build.
    clean: ['!cli.cjs*'],
    outExtension: ({ format }) => ({ js: format === 'cjs' ? '.cjs' : '.mjs' }),
  },
  {
    // The `together-audio` executable: Node-only, its own entry, so the library never imports it.
    ...shared,
    entry: { cli: 'src/cli/main.ts' },
    format: ['cjs'],
    dts: false,
    clean: false,
    banner: { js: '#!/usr/bin/env node' },
    outExtension: () => ({ js: '.cjs' }),
  },
]);
