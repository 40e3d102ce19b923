// The one validation style of the package: checks run before any I/O, and a bad value is a
// TypeError that names the option and what was expected, describing (never echoing) a text or an
// object that was given; a number is shown as written.

/** Names what a caller passed without echoing a text or an object (it may be long, binary, or secret). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return value === '' ? 'an empty string' : value.trim() === '' ? 'a blank string' : 'a string';
  if (typeof value === 'object') return `an instance of ${(value as object).constructor?.name ?? 'Object (no prototype)'}`;
  return `a ${typeof value}`;
}

/** For an option whose text is safe to quote (a format, a number given as a string): JSON shows NaN as null. */
export function showValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : describeValue(value);
}

export function requireNonBlank(value: unknown, name: string): void {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${name} must be a non-empty string, got ${describeValue(value)}.`);
}

/** A number option that must be an integer >= `min` when given. */
export function optionalCount<K extends string>(options: Partial<Record<K, unknown>>, name: K, min: number): number | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(`Invalid ${name} ${showValue(value)}: expected an integer >= ${min}.`);
  }
  return value;
}
