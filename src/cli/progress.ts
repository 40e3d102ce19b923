const REDRAW_MS = 100;

/**
 * One self-overwriting status line on stderr, drawn only when stderr is a terminal, so pipes and
 * log files never see it.
 */
export class Progress {
  readonly enabled: boolean;
  #lastDraw = 0;
  #shown = false;
  /** The latest text, drawn or held back by the redraw limit. */
  #latest: string | undefined;
  #drawn: string | undefined;

  constructor(private readonly stream: NodeJS.WritableStream & { isTTY?: boolean }) {
    this.enabled = stream.isTTY === true;
  }

  /** Redraws the line, at most every 100 ms unless `force`. */
  update(text: string, force = false): void {
    if (!this.enabled) return;
    this.#latest = text;
    const now = Date.now();
    if (!force && now - this.#lastDraw < REDRAW_MS) return;
    this.#lastDraw = now;
    this.#shown = true;
    this.#drawn = text;
    this.stream.write(`\r${text}\x1b[K`);
  }

  /** Ends the status line (drawing `text` last) so later output starts on a fresh line. */
  done(text?: string): void {
    const last = text ?? this.#latest;
    if (last !== undefined && last !== this.#drawn) this.update(last, true);
    if (this.enabled && this.#shown) this.stream.write('\n');
    this.#shown = false;
    this.#latest = this.#drawn = undefined;
  }

  /** A line of its own, e.g. the request id once a call has finished. */
  note(text: string): void {
    if (!this.enabled) return;
    this.done();
    this.stream.write(`${text}\n`);
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
