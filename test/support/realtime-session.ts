import { createHook } from 'node:async_hooks';

/** Rejects with "what did not settle" if `promise` has not settled after `ms`, so that a hang fails with a message instead of the suite's timeout. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** What `promise` rejects with, or the text 'resolved'. */
export function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => error,
  );
}

/**
 * Records the timers (timeouts and intervals, ref'd or not) that the package's code or `ws` creates
 * from now on and that are still pending; `stop()` ends the recording. Node reports a cleared timer
 * a moment later, so `pending()` waits for that first.
 */
export function recordTimers(): { pending: () => Promise<number>; stop: () => void } {
  const live = new Set<number>();
  const ours = /[\\/](src|node_modules[\\/]ws)[\\/]/;
  const hook = createHook({
    init(asyncId, type) {
      if (type === 'Timeout' && ours.test(new Error().stack ?? '')) live.add(asyncId);
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  }).enable();
  return {
    pending: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return live.size;
    },
    stop: () => hook.disable(),
  };
}
