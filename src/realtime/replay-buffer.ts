/** An audio chunk at its offset in everything appended, or a commit after the audio before it; `seq` orders them. */
export type ReplayEntry = { seq: number; offset: number; audio: Uint8Array } | { seq: number; offset: number; commit: true };

/**
 * The audio a reconnecting transcription session may have to send again: everything appended
 * after the last point known to be transcribed, bounded in bytes. When the bound is hit the oldest
 * audio goes; a reconnect that needs it reports the gap instead of hiding it.
 */
export class ReplayBuffer {
  readonly #entries: ReplayEntry[] = [];
  /** Bytes held for a replay. */
  #bytes = 0;
  #seq = 0;
  /** Bytes appended in all. */
  #head = 0;
  /** Everything before this offset is transcribed (or was cleared) and is never replayed. */
  #watermark = 0;
  /** Offsets of commits whose transcript has not arrived, oldest first. */
  readonly #openCommits: number[] = [];

  constructor(readonly maxBytes: number) {}

  append(audio: Uint8Array): ReplayEntry {
    const entry = { seq: ++this.#seq, offset: this.#head, audio };
    this.#head += audio.length;
    this.#entries.push(entry);
    this.#bytes += audio.length;
    while (this.#bytes > this.maxBytes && this.#entries.length > 1) {
      const first = this.#entries.shift();
      if (first && 'audio' in first) this.#bytes -= first.audio.length;
    }
    return entry;
  }

  commit(): ReplayEntry {
    const entry = { seq: ++this.#seq, offset: this.#head, commit: true as const };
    this.#entries.push(entry);
    this.#openCommits.push(this.#head);
    return entry;
  }

  /**
   * A transcript (or a per-utterance failure) arrived. With manual commits it covers the audio up to
   * the oldest open commit; with server VAD, everything appended so far.
   */
  transcribed(manualCommits: boolean): void {
    if (!manualCommits) {
      // The commits made so far are covered too: none of them is waiting for a transcript of its own.
      this.#openCommits.length = 0;
      return this.#trim(this.#head);
    }
    const upTo = this.#openCommits.shift();
    if (upTo !== undefined) this.#trim(upTo);
  }

  /** The server dropped its buffer: nothing appended so far is ever replayed. */
  clear(): void {
    this.#openCommits.length = 0;
    this.#trim(this.#head);
  }

  /** Bytes between the watermark and the oldest audio still held: audio that can no longer be replayed. */
  get missingBytes(): number {
    const firstAudio = this.#entries.find((entry) => 'audio' in entry);
    return Math.max(0, (firstAudio ? firstAudio.offset : this.#head) - this.#watermark);
  }

  /** After a gap has been reported: replays start at the oldest audio still held. */
  skipMissing(): void {
    this.#watermark += this.missingBytes;
    // A commit before the oldest audio held lost all its audio: sent again, it would be an empty commit, which the server refuses.
    while (this.#entries.length > 0 && 'commit' in this.#entries[0]) this.#entries.shift();
    // The commits that went with that audio are never replayed, so no transcript will answer them.
    const held = new Set(this.#entries.filter((entry) => 'commit' in entry).map((entry) => entry.offset));
    const answerable = this.#openCommits.filter((offset) => held.has(offset));
    this.#openCommits.splice(0, this.#openCommits.length, ...answerable);
  }

  /** The first entry held after `seq` (0 for the oldest), so that a replay also sends what is appended while it runs. */
  next(seq: number): ReplayEntry | undefined {
    return this.#entries.find((entry) => entry.seq > seq);
  }

  #trim(upTo: number): void {
    this.#watermark = Math.max(this.#watermark, upTo);
    while (this.#entries.length > 0) {
      const first = this.#entries[0];
      const covered = 'audio' in first ? first.offset + first.audio.length <= this.#watermark : first.offset < this.#watermark || !this.#openCommits.includes(first.offset);
      if (!covered) break;
      this.#entries.shift();
      if ('audio' in first) this.#bytes -= first.audio.length;
    }
  }
}
