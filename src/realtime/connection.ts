import { APITimeoutError, TogetherAudioError, userAbortError } from '../errors';
import type { ByteBudget } from './event-queue';
import { RealtimeClosedError, RealtimeError, RealtimeKeepaliveError, RealtimeOverflowError, RealtimeProtocolError } from './errors';
import { openSocket, type RealtimeSocket, type SocketAuth, type TransportOptions } from './transport';

/** Where a realtime session connects: the HTTP client's base URL and its key getter. */
export interface RealtimeEndpoint {
  baseURL: string;
  apiKey: () => string;
}

export interface RealtimeSocketOptions extends TransportOptions {
  /**
   * Bytes the socket may hold unsent before a send waits for them to drain (default 1 MiB), so a
   * slow server makes the client wait instead of buffering without bound.
   */
  highWaterMark?: number;
  /**
   * Bytes of received events held for a slow reader (default 16 MiB). Past it `ws` stops reading
   * the socket, so TCP pushes back on the server; the platform WebSocket cannot, and the session
   * fails with RealtimeOverflowError instead of growing without bound.
   */
  maxQueuedBytes?: number;
  /** Milliseconds for the websocket upgrade, including a refusal's body (default 10 000). */
  handshakeTimeoutMs?: number;
  /** Milliseconds from the upgrade to `session.created` (default 10 000). */
  sessionTimeoutMs?: number;
  /** Milliseconds between websocket pings (default 15 000; 0 turns liveness checks off). `ws` only. */
  pingIntervalMs?: number;
  /** Milliseconds a ping may go unanswered before the session fails with RealtimeKeepaliveError (default 10 000). */
  pongTimeoutMs?: number;
  /** Milliseconds `close()` waits for the server's close frame before dropping the connection (default 1000). */
  closeTimeoutMs?: number;
  /** Aborts connecting (not the session once it is open; close it instead). */
  signal?: AbortSignal;
}

export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
export const DEFAULT_MAX_QUEUED_BYTES = 16 * 1024 * 1024;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
export const DEFAULT_SESSION_TIMEOUT_MS = 10_000;
export const DEFAULT_PING_INTERVAL_MS = 15_000;
export const DEFAULT_PONG_TIMEOUT_MS = 10_000;
export const DEFAULT_CLOSE_TIMEOUT_MS = 1000;

export type QueryValue = string | number | undefined;

interface ServerEvent {
  type: string;
}

/** What a connection hands its session: each event after `session.created`, and the end. */
export interface ConnectionSink<E> {
  event(event: E, bytes: number): void;
  /** The socket closed: `failure` unless the close was asked for (or was a normal server close). */
  end(failure: Error | undefined, info: { code: number; reason: string; requested: boolean }): void;
}

/** The websocket URL of `path` under an http(s) base URL: https becomes wss, http becomes ws, the path is kept. */
export function realtimeURL(baseURL: string, path: string, query: Record<string, QueryValue> = {}): URL {
  const url = new URL(`${baseURL.replace(/\/+$/, '')}${path}`);
  if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol !== 'wss:' && url.protocol !== 'ws:') {
    throw new TypeError(`Invalid baseURL protocol ${JSON.stringify(url.protocol)}: expected http(s) or ws(s).`);
  }
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  return url;
}

/** The options of a socket with every default filled in, checked before any I/O. */
export interface SocketSettings {
  highWaterMark: number;
  maxQueuedBytes: number;
  handshakeTimeoutMs: number;
  sessionTimeoutMs: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  closeTimeoutMs: number;
}

export function socketSettings(options: RealtimeSocketOptions): SocketSettings {
  const count = (name: keyof SocketSettings, fallback: number, min: number): number => {
    const value = options[name] ?? fallback;
    if (!Number.isFinite(value) || value < min) {
      throw new TypeError(`${name} must be a number of at least ${min}, got ${String(options[name])}.`);
    }
    return value;
  };
  return {
    highWaterMark: count('highWaterMark', DEFAULT_HIGH_WATER_MARK, 0),
    maxQueuedBytes: count('maxQueuedBytes', DEFAULT_MAX_QUEUED_BYTES, 1),
    handshakeTimeoutMs: count('handshakeTimeoutMs', DEFAULT_HANDSHAKE_TIMEOUT_MS, 1),
    sessionTimeoutMs: count('sessionTimeoutMs', DEFAULT_SESSION_TIMEOUT_MS, 1),
    pingIntervalMs: count('pingIntervalMs', DEFAULT_PING_INTERVAL_MS, 0),
    pongTimeoutMs: count('pongTimeoutMs', DEFAULT_PONG_TIMEOUT_MS, 1),
    closeTimeoutMs: count('closeTimeoutMs', DEFAULT_CLOSE_TIMEOUT_MS, 0),
  };
}

export interface ConnectRequest {
  endpoint: RealtimeEndpoint;
  path: string;
  query: Record<string, QueryValue>;
  auth: SocketAuth;
  settings: SocketSettings;
  options: RealtimeSocketOptions;
  budget: ByteBudget;
}

/**
 * One realtime websocket: JSON events in both directions, with backpressure both ways, a ping
 * liveness check, and a close that always settles. Events go to a sink (a session's queues).
 *
 * Everything is held in private fields, so inspecting a session object shows no socket internals.
 */
export class RealtimeConnection<E extends ServerEvent> {
  #socket!: RealtimeSocket;
  readonly #settings: SocketSettings;
  readonly #budget: ByteBudget;
  readonly #pendingSends = new Set<(error: Error) => void>();
  readonly #early: Array<{ event: E; bytes: number }> = [];
  readonly #closed: Promise<void>;
  #markClosed!: () => void;
  #sink: ConnectionSink<E> | undefined;
  #firstEvent: ((event: E | Error) => void) | undefined;
  #failure: Error | undefined;
  #closeRequested = false;
  #isClosed = false;
  #paused = false;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #pongTimer: ReturnType<typeof setTimeout> | undefined;
  #endInfo: { code: number; reason: string } = { code: 1006, reason: '' };

  private constructor(settings: SocketSettings, budget: ByteBudget) {
    this.#settings = settings;
    this.#budget = budget;
    this.#closed = new Promise((resolve) => (this.#markClosed = resolve));
  }

  /**
   * Opens the socket and waits for `session.created`, the server's first event. A refused upgrade
   * rejects with the APIError of its status; a failure event instead of `session.created` with
   * RealtimeError; silence with APITimeoutError; the signal with APIUserAbortError.
   */
  static async connect<E extends ServerEvent, Session>(request: ConnectRequest): Promise<{ connection: RealtimeConnection<E>; session: Session }> {
    const { settings, options } = request;
    const connection = new RealtimeConnection<E>(settings, request.budget);
    const url = realtimeURL(request.endpoint.baseURL, request.path, request.query);
    connection.#socket = await openSocket(
      { url, apiKey: request.endpoint.apiKey, auth: request.auth, handshakeTimeoutMs: settings.handshakeTimeoutMs, signal: options.signal },
      { message: (text, bytes) => connection.#receive(text, bytes), close: (code, reason) => connection.#onClose(code, reason) },
      options,
    );
    // A malformed event in the upgrade's own packet failed the connection before the socket was handed over.
    if (connection.#failure) connection.#socket.terminate();
    try {
      const first = await connection.#awaitFirstEvent(options.signal);
      if (first.type !== 'session.created') {
        if ('error' in first) throw RealtimeError.fromEvent(first as ServerEvent & { error?: unknown });
        throw new RealtimeProtocolError(`Expected session.created as the first realtime event, got ${first.type}.`);
      }
      connection.#startPinging();
      return { connection, session: (first as unknown as { session: Session }).session };
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  /** Where events go from now on; those that arrived in between are handed over first. */
  attach(sink: ConnectionSink<E>): void {
    this.#sink = sink;
    for (const { event, bytes } of this.#early.splice(0)) sink.event(event, bytes);
    if (this.#isClosed) this.#endSink();
  }

  /** Bytes queued on the socket but not yet handed to the network. */
  get bufferedAmount(): number {
    return this.#socket.bufferedAmount;
  }

  get isOpen(): boolean {
    return this.#socket.isOpen && !this.#closeRequested && !this.#failure;
  }

  /**
   * Sends one client event. Resolves once it is queued while the socket holds at most
   * `highWaterMark` unsent bytes; beyond that, resolves only when this event has been written
   * out, so a caller that awaits every send never has more than one event over the mark in memory.
   */
  send(event: object): Promise<void> {
    // The socket may be closing before its close event has told why: unless the client asked, the server (or the network) ended it.
    if (!this.isOpen) return Promise.reject(this.#unsendable(this.#endInfo.code, this.#endInfo.reason));
    const data = JSON.stringify(event);
    return new Promise<void>((resolve, reject) => {
      let waiting = false;
      const fail = (error: Error) => {
        this.#pendingSends.delete(fail);
        reject(error);
      };
      this.#socket.send(data, (error) => {
        if (!waiting) return;
        this.#pendingSends.delete(fail);
        if (error) reject(this.#unsendable(this.#endInfo.code, error.message, 'while sending'));
        else resolve();
      });
      if (this.#socket.bufferedAmount <= this.#settings.highWaterMark) {
        resolve();
        return;
      }
      waiting = true;
      this.#pendingSends.add(fail);
    });
  }

  /** Stops (or resumes) reading while the session's readers are behind by more than the byte budget. */
  hold(over: boolean): void {
    if (this.#isClosed || this.#closeRequested) return;
    if (!this.#socket.canPause) {
      if (over) this.fail(new RealtimeOverflowError(`More than ${this.#budget.limit} bytes of realtime events arrived unread; read them faster or raise maxQueuedBytes.`));
      return;
    }
    this.#paused = over;
    if (over) this.#socket.pause();
    else this.#socket.resume();
  }

  /**
   * Closes the session (close code 1000). Settles once the server has answered the close, or after
   * `closeTimeoutMs` by dropping the connection; it never waits for a reader, since events that
   * arrive meanwhile are discarded.
   */
  close(): Promise<void> {
    if (!this.#isClosed && !this.#closeRequested) {
      this.#closeRequested = true;
      this.#stopPinging();
      // A paused socket would never read the server's close frame.
      if (this.#paused) this.#socket.resume();
      this.#socket.close(1000);
      const grace = setTimeout(() => {
        this.#socket.terminate();
        this.#onClose(1006, 'closed by the client after the close grace period');
      }, this.#settings.closeTimeoutMs);
      void this.#closed.then(() => clearTimeout(grace));
    }
    return this.#closed;
  }

  /** Drops the connection after a failure; the sink ends with `error`. */
  fail(error: Error): void {
    this.#failure ??= error;
    this.#stopPinging();
    // Undefined while the upgrade's own packet is read: connect terminates the socket once it has it.
    this.#socket?.terminate();
    this.#onClose(1006, error.message);
  }

  #awaitFirstEvent(signal: AbortSignal | undefined): Promise<E> {
    // It may have come in the same packet as the upgrade's answer.
    const early = this.#early.shift();
    if (early) return Promise.resolve(early.event);
    if (this.#isClosed) return Promise.reject(this.#failure ?? new RealtimeClosedError(this.#endInfo.code, this.#endInfo.reason, 'before session.created'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new APITimeoutError(`No session.created arrived within ${this.#settings.sessionTimeoutMs} ms of the realtime upgrade.`)), this.#settings.sessionTimeoutMs);
      const onAbort = () => finish(userAbortError(signal));
      const finish = (outcome: E | Error) => {
        this.#firstEvent = undefined;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      this.#firstEvent = finish;
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #receive(text: string | null, bytes: number): void {
    if (this.#failure || this.#closeRequested) return;
    let event: unknown;
    try {
      if (text === null) throw new Error('binary frame');
      event = JSON.parse(text);
    } catch {
      this.fail(new RealtimeProtocolError('The server sent a realtime message that is not a JSON event.'));
      return;
    }
    if (typeof event !== 'object' || event === null || typeof (event as ServerEvent).type !== 'string') {
      this.fail(new RealtimeProtocolError('The server sent a realtime event without a "type".'));
      return;
    }
    if (this.#firstEvent) return this.#firstEvent(event as E);
    if (this.#sink) this.#sink.event(event as E, bytes);
    else this.#early.push({ event: event as E, bytes });
  }

  #startPinging(): void {
    const { pingIntervalMs, pongTimeoutMs } = this.#settings;
    if (pingIntervalMs === 0 || !this.#socket.canPing) return;
    this.#pingTimer = setInterval(() => {
      // While reading is paused, pongs are not read either; the flood of events shows the peer is alive.
      if (this.#pongTimer || this.#paused || !this.isOpen) return;
      this.#pongTimer = setTimeout(() => {
        this.fail(new RealtimeKeepaliveError(`The realtime server did not answer a ping within ${pongTimeoutMs} ms; the connection is presumed dead.`));
      }, pongTimeoutMs);
      this.#socket.ping(() => {
        clearTimeout(this.#pongTimer);
        this.#pongTimer = undefined;
      });
    }, pingIntervalMs);
    this.#pingTimer.unref?.();
  }

  #stopPinging(): void {
    clearInterval(this.#pingTimer);
    clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
  }

  #onClose(code: number, reason: string): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#stopPinging();
    this.#endInfo = { code, reason };
    // Together closes with 1000 even after an error; the session decides whether such a close was expected.
    if (!this.#closeRequested && code !== 1000) this.#failure ??= new RealtimeClosedError(code, reason, 'during the session');
    if (this.#firstEvent) this.#firstEvent(this.#failure ?? new RealtimeClosedError(code, reason, 'before session.created'));
    const sendFailure = this.#unsendable(code, reason);
    for (const fail of [...this.#pendingSends]) fail(sendFailure);
    this.#endSink();
    this.#markClosed();
  }

  /** Why an event cannot be sent once the socket is closing: what failed the session, else the caller's close, else the server's. */
  #unsendable(code: number, reason: string, context = 'before the event was sent'): Error {
    if (this.#failure) return this.#failure;
    if (this.#closeRequested) return new TogetherAudioError('The realtime session is closed; open a new one.');
    return new RealtimeClosedError(code, reason, context);
  }

  #endSink(): void {
    if (!this.#sink) return;
    const { code, reason } = this.#endInfo;
    this.#sink.end(this.#failure, { code, reason, requested: this.#closeRequested });
  }
}
