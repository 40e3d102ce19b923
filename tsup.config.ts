import { defineConfig } from 'tsup';

const shared = { sourcemap: true, target: 'node18' } as const;

export default defineConfig([
  {
    ...shared,
    entry: ['src/index.ts'],
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
