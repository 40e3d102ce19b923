// Applies openapi.overlay.yaml to a spec with openapi-format, for the generator and the contract tests.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const require = createRequire(import.meta.url);
const { openapiOverlay } = require('openapi-format');

/**
 * The overlaid spec, and the actions whose target matched nothing (stale after an upstream change).
 * @returns {Promise<any>}
 */
export async function applyOverlay(spec, overlayPath) {
  const overlaySet = parse(readFileSync(overlayPath, 'utf8'));
  const { data, resultData } = await openapiOverlay(structuredClone(spec), { overlaySet });
  return { spec: data, unused: resultData.unusedActions };
}

/** Writes `out` (by default <root>/build/openapi.overlaid.yaml) from `specPath` (<root>/openapi.yaml). */
export async function writeOverlaidSpec(
  root,
  { specPath = path.join(root, 'openapi.yaml'), out = path.join(root, 'build', 'openapi.overlaid.yaml'), log = console.warn } = {},
) {
  const spec = parse(readFileSync(specPath, 'utf8'));
  const { spec: overlaid, unused } = await applyOverlay(spec, path.join(root, 'openapi.overlay.yaml'));
  for (const action of unused) log(`overlay: no match for ${action.target} (${action.description ?? 'no reason given'})`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, stringify(overlaid, { lineWidth: 0 }));
  return out;
}

// `node scripts/spec/overlay.mjs [in.yaml] [out.yaml]`: the overlaid spec, for Prism and other tools.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const [specPath, out] = process.argv.slice(2).map((arg) => path.resolve(arg));
  console.log(await writeOverlaidSpec(root, { ...(specPath && { specPath }), ...(out && { out }) }));
}
