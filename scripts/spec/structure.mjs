// What the generator sees of a spec: everything but prose (descriptions, summaries, titles of the
// document, examples, code samples). Keys of maps whose keys are names (properties, paths,
// components, responses, content, …) are never treated as prose.
const prose = new Set(['description', 'summary', 'example', 'examples', 'x-codeSamples']);
const nameMaps = new Set(['properties', 'paths', 'schemas', 'responses', 'content', 'securitySchemes', 'parameters', 'encoding', 'headers']);

export function structureOf(node, keysAreNames = false) {
  if (Array.isArray(node)) return node.map((item) => structureOf(item));
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (!keysAreNames && (prose.has(key) || key === 'info')) continue;
    out[key] = structureOf(value, !keysAreNames && nameMaps.has(key) && !Array.isArray(value));
  }
  return out;
}
