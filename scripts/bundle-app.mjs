// Bundles an app that imports this package by name, as the app's bundler would: through the
// package's export conditions, with `conditions` for the target (["browser"], or
// ["workerd", "worker", "browser"]). Used by the runtime matrix and the bench's footprint.
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * `entry` is a file path, or `{ contents }` for an app given as source. Other packages (together-ai,
 * openai) resolve from this repository's node_modules. Resolves the bundle's text.
 */
export async function bundleApp(entry, { conditions = ['browser'], minify = false } = {}) {
  const work = mkdtempSync(path.join(tmpdir(), 'together-audio-bundle-'));
  try {
    // The package installed by name, as an app depending on it would see it.
    const scope = path.join(work, 'node_modules', '@together-audio');
    mkdirSync(scope, { recursive: true });
    if (!existsSync(path.join(scope, 'client'))) symlinkSync(repoRoot, path.join(scope, 'client'), 'dir');
    let entryPoint = entry;
    if (typeof entry !== 'string') {
      entryPoint = path.join(work, 'app.mjs');
      writeFileSync(entryPoint, entry.contents);
    }
    const result = await esbuild.build({
      entryPoints: [entryPoint],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      conditions,
      minify,
      nodePaths: [path.join(work, 'node_modules'), path.join(repoRoot, 'node_modules')],
      write: false,
      logLevel: 'error',
    });
    return result.outputFiles[0].text;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
