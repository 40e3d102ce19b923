import { defineConfig } from 'tsup';

// Two entries: index (Node, Bun, Deno: the `node` export condition) and web (browsers, workers:
// every other condition). The web entry and the chunks it shares with index import no Node built-in.
export default defineConfig({
  entry: ['src/index.ts', 'src/web.ts'],
  format: ['cjs', 'esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  outExtension: ({ format }) => ({ js: format === 'cjs' ? '.cjs' : '.mjs' }),
});
