/**
 * Makes the global scope look like a browser page (a window with a document, and a navigator) until
 * `body` has finished, awaiting it if it returns a promise. `lacking` leaves out the document or the
 * navigator, as in runtimes that define a window but are no page (Deno 1 has a window, no document),
 * or makes the window null, as server-side renderers set it.
 */
export function asBrowserPage<T>(body: () => T, lacking?: 'document' | 'navigator' | 'window'): T {
  const scope = globalThis as Record<string, unknown>;
  const saved = { navigator: Object.getOwnPropertyDescriptor(scope, 'navigator') };
  scope.window = lacking === 'window' ? null : lacking === 'document' ? {} : { document: {} };
  Object.defineProperty(scope, 'navigator', { value: lacking === 'navigator' ? undefined : { userAgent: 'test' }, configurable: true, writable: true });
  const restore = () => {
    delete scope.window;
    if (saved.navigator) Object.defineProperty(scope, 'navigator', saved.navigator);
    else delete scope.navigator;
  };
  let result: T;
  try {
    result = body();
  } catch (error) {
    restore();
    throw error;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}
