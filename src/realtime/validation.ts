/** Names what a caller passed without echoing it (a value may be long, binary, or secret). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return value === '' ? 'an empty string' : value.trim() === '' ? 'a blank string' : 'a string';
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`;
  return `a ${typeof value}`;
}

export function requireNonBlank(value: unknown, name: string): void {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${name} must be a non-empty string, got ${describe(value)}.`);
}
