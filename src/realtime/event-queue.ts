import { TogetherAudioError } from '../errors';

export type NextResult<E> = { event: E } | { ended: true } | { timedOut: true } | { woken: true };

export interface NextOptions {
  /** Give up waiting after this many milliseconds and return `{ timedOut: true }`. */
  timeoutMs?: number;
  /** Stop waiting and reject with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Bytes of received events held for readers, shared by every queue of one connection: past
 * `limit` the connection stops reading (or, where it cannot, fails), below half it reads again.
 */
export class ByteBudget {
  #used = 0;
  constructor(
    readonly limit: number,
    private readonly onChange: (over: boolean) => void,
  ) {}

  take(bytes: number): void {
    const wasOver = this.#used > this.limit;
    this.#used += bytes;
    if (!wasOver && this.#used > this.limit) this.onChange(true);
  }

  give(bytes: number): void {
    const wasOver = this.#used > this.limit / 2;
    this.#used = Math.max(0, this.#used - bytes);
    if (wasOver && this.#used <= this.limit / 2) this.onChange(false);
  }
}

type Entry<E> = { event: E; bytes: number } | { error: Error; bytes: 0 };

/**
 * Events waiting for one reader, counted against a ByteBudget. An error pushed in order is thrown to
 * the reader when reached and the queue goes on; `end(error)` is final.
 */
export class EventQueue<E> {
  readonly #entries: Entry<E>[] = [];
  #wake: ((woken?: boolean) => void) | undefined;
  #ended = false;
  #failure: Error | undefined;

  constructor(private readonly budget: ByteBudget) {}

  push(event: E, bytes: number): void {
    if (this.#ended) return;
    this.budget.take(bytes);
    this.#entries.push({ event, bytes });
    this.#wake?.();
  }

  pushError(error: Error): void {
    if (this.#ended) return;
    this.#entries.push({ error, bytes: 0 });
    this.#wake?.();
  }

  /** No more events: the reader gets those queued, then `error` or `{ ended }`. */
  end(error?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#failure = error;
    this.#wake?.();
  }

  /** Drops every queued event (e.g. of a cancelled turn) and gives their bytes back. */
  discard(): void {
    for (const entry of this.#entries.splice(0)) this.budget.give(entry.bytes);
  }

  /** Makes a waiting reader return `{ woken }` so that it re-checks its own state. */
  wake(): void {
    this.#wake?.(true);
  }

  next(options: NextOptions = {}): Promise<NextResult<E>> {
    if (this.#wake) return Promise.reject(new TogetherAudioError('Another reader is already waiting for events on this realtime session.'));
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    try {
      const ready = this.#take();
      if (ready) return Promise.resolve(ready);
    } catch (error) {
      return Promise.reject(error);
    }
    const { timeoutMs, signal } = options;
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stopWaiting = () => {
        this.#wake = undefined;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        stopWaiting();
        reject(signal?.reason);
      };
      this.#wake = (woken) => {
        stopWaiting();
        if (woken) return resolve({ woken: true });
        try {
          resolve(this.#take() as NextResult<E>);
        } catch (error) {
          reject(error);
        }
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          stopWaiting();
          resolve({ timedOut: true });
        }, timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #take(): NextResult<E> | undefined {
    const entry = this.#entries.shift();
    if (entry) {
      this.budget.give(entry.bytes);
      if ('error' in entry) throw entry.error;
      return { event: entry.event };
    }
    if (this.#ended) {
      if (this.#failure) throw this.#failure;
      return { ended: true };
    }
    return undefined;
  }
}
