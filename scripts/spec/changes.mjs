// The change report between two specs, as users of the generated client see it: api-smart-diff
// compares and classifies; prose-only changes are counted, not listed.
import { apiCompare } from 'api-smart-diff';
import { referencedComponents } from './extract.mjs';

/**
 * api-smart-diff judges a wire client, for which losing an optional response field is harmless.
 * For generated types it is not: code that reads the field, or passes a removed value, stops
 * compiling. So every removal of an operation, parameter, property or enum value is breaking here.
 */
function classify(diff) {
  if (diff.type === 'annotation' || diff.type === 'deprecated') return diff.type;
  if (diff.action !== 'remove') return diff.type;
  const { path } = diff;
  const member = path.at(-2);
  const removesMember = (path[0] === 'paths' && path.length <= 3) || member === 'properties' || member === 'enum' || member === 'parameters';
  return removesMember ? 'breaking' : diff.type;
}

/** Schemas the paths reach; their changes are already reported under the paths that use them. */
function schemasReachedFromPaths(spec) {
  const pointers = [...referencedComponents(spec, spec.paths)];
  return new Set(pointers.filter((pointer) => pointer.startsWith('#/components/schemas/')).map((pointer) => pointer.split('/')[3]));
}

export function compareSpecs(before, after) {
  const { diffs } = apiCompare(before, after);
  const reached = new Set([...schemasReachedFromPaths(before), ...schemasReachedFromPaths(after)]);
  const changes = [];
  let annotations = 0;
  for (const diff of diffs) {
    const [root, , name] = diff.path;
    if (root === 'components' && diff.path[1] === 'schemas' && reached.has(name)) continue;
    const type = classify(diff);
    if (type === 'annotation') {
      annotations++;
      continue;
    }
    changes.push({ type, action: diff.action, path: diff.path.join('/'), description: diff.description || `[${diff.action}] ${diff.path.slice(1).join('.')}` });
  }
  const bump = changes.some((c) => c.type === 'breaking') ? 'major' : changes.some((c) => c.action === 'add') ? 'minor' : 'patch';
  return { changes, annotations, bump };
}

export function formatReport({ changes, annotations, bump }) {
  const lines = [];
  for (const type of ['breaking', 'non-breaking', 'deprecated', 'unclassified']) {
    const group = changes.filter((c) => c.type === type);
    if (!group.length) continue;
    lines.push(`### ${type} (${group.length})`, '');
    for (const change of group) lines.push(`- ${change.description.replace(/\s+/g, ' ').trim()} (\`${change.path}\`)`);
    lines.push('');
  }
  if (!changes.length) lines.push('No change to operations, parameters, fields, enums or types.', '');
  if (annotations) lines.push(`${annotations} change(s) to descriptions or examples only.`, '');
  lines.push(`Semver: **${bump}**${bump === 'major' ? ' (breaking changes above)' : bump === 'minor' ? ' (additions only)' : ''}.`);
  return lines.join('\n');
}
