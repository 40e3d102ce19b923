// The Audio and Voices part of an OpenAPI document: operations with those tags and every
// component they reference, in the source's order; code samples dropped.
const TAGS = new Set(['Audio', 'Voices']);
const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

export function extractAudio(doc) {
  const paths = {};
  for (const [route, item] of Object.entries(doc.paths ?? {})) {
    const kept = Object.entries(item).filter(([key, op]) => !METHODS.has(key) || op.tags?.some((tag) => TAGS.has(tag)));
    if (kept.some(([key]) => METHODS.has(key))) paths[route] = withoutCodeSamples(Object.fromEntries(kept));
  }
  const used = referencedComponents(doc, paths);
  const components = {};
  for (const [kind, members] of Object.entries(doc.components ?? {})) {
    const keep = Object.entries(members).filter(([name]) => used.has(`#/components/${kind}/${name}`) || (kind === 'securitySchemes' && usesScheme(doc, name)));
    if (keep.length) components[kind] = Object.fromEntries(keep);
  }
  const { openapi, info, servers, security } = doc;
  return { openapi, info, servers, security, paths, components };
}

function withoutCodeSamples(node) {
  if (Array.isArray(node)) return node.map(withoutCodeSamples);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => key !== 'x-codeSamples')
      .map(([key, value]) => [key, withoutCodeSamples(value)]),
  );
}

/** Pointers (`#/components/<kind>/<name>`) of every component `root` reaches, directly or through others. */
export function referencedComponents(doc, root) {
  const seen = new Set();
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/')) {
        const pointer = value.split('/').slice(0, 4).join('/');
        if (seen.has(pointer)) continue;
        seen.add(pointer);
        const [, , kind, name] = pointer.split('/');
        visit(doc.components?.[kind]?.[name]);
      } else visit(value);
    }
  };
  visit(root);
  return seen;
}

function usesScheme(doc, name) {
  return (doc.security ?? []).some((requirement) => name in requirement);
}
