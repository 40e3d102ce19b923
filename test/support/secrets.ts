import { inspect } from 'node:util';

/** Every way an error gets printed, serialised or logged. */
export function printedForms(error: unknown): Record<string, string> {
  const err = error as Error;
  return {
    message: String(err?.message),
    stack: String(err?.stack),
    string: String(error),
    json: JSON.stringify(error) ?? '',
    inspect: inspect(error, { depth: Infinity }),
    inspectHidden: inspect(error, { depth: Infinity, showHidden: true }),
    cause: inspect(err?.cause, { depth: Infinity, showHidden: true }),
  };
}

/** Fails naming the form that leaked `secret`. */
export function expectSecretAbsent(error: unknown, secret: string): void {
  const leaks = Object.entries(printedForms(error))
    .filter(([, text]) => text.includes(secret))
    .map(([form]) => form);
  expect(leaks).toEqual([]);
}
