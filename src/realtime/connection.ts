import type WebSocket from 'ws';
import type { ErrorDetail } from '../../generated/models';
import { APIConnectionError, TogetherAudioError, apiErrorFromBody, errorDetailOf } from '../errors';
import { readErrorBody } from '../response-body';
import { RealtimeClosedError, RealtimeError, RealtimeProtocolError } from './errors';

/** Where a realtime session connects: the HTTP client's base URL and its key getter. */
export interface RealtimeEndpoint {
  baseURL: string;
  apiKey: () => string;
}

export interface RealtimeSocketOptions {
  /**
   * Bytes the socket may hold unsent before a send waits for them to drain (default 1 MiB), so a
   * slow server makes the client wait instead of buffering without bound.
   */
  highWaterMark?: number;
}

export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;

/** Server events held for a slow reader before the socket stops reading (and TCP pushes back on the server). */
const MAX_QUEUED_EVENTS = 256;

let webSocketClass: Promise<typeof WebSocket> | undefined;

/** `ws`, loaded with the first session rather than with the package, so that importing the client stays cheap. */
function loadWebSocket(): Promise<typeof WebSocket> {
  webSocketClass ??= import('ws').then((module) => module.default);
  return webSocketClass;
}

export type QueryValue = string | number | undefined;

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

export type NextResult<E> = { event: E } | { ended: true } | { timedOut: true } | { woken: true };

export interface NextOptions {
  /** Give up waiting after this many milliseconds and return `{ timedOut: true }`. */
  timeoutMs?: number;
  /** Stop waiting and reject with the signal's reason. */
  signal?: AbortSignal;
}

interface ServerEvent {
  type: string;
}

/** How a session tells its failure event apart: its `type`, whose `error` becomes a RealtimeError. */
export interface SessionProtocol {
  failedEventType: string;
}

/**
 * One realtime websocket: JSON events in both directions, with backpressure both ways. Server
 * events wait in a queue for one reader (`next`); a failure event is thrown as RealtimeError and
 * an unexpected close as RealtimeClosedError, after the events that came before it.
 *
 * Everything is held in private fields, so inspecting a session object shows no socket internals.
 */
export class RealtimeConnection<E extends ServerEvent> {
  readonly #ws: WebSocket;
  readonly #protocol: SessionProtocol;
  readonly #highWaterMark: number;
  readonly #queue: E[] = [];
  readonly #pendingSends = new Set<(error: Error) => void>();
  readonly #closed: Promise<void>;
  #wakeReader: ((woken?: boolean) => void) | undefined;
  #failure: Error | undefined;
  #socketError: Error | undefined;
  #ended = false;
  #closeRequested = false;
  #closeCode = 1006;
  #closeReason = '';

  /** Opens the socket with the Bearer token; a refused upgrade rejects with the APIError for its status and body. */
  static open<E extends ServerEvent>(
    endpoint: RealtimeEndpoint,
    path: string,
    query: Record<string, QueryValue>,
    protocol: SessionProtocol,
    options: RealtimeSocketOptions = {},
  ): Promise<RealtimeConnection<E>> {
    const highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    if (!Number.isFinite(highWaterMark) || highWaterMark < 0) {
      throw new TypeError(`highWaterMark must be a non-negative number of bytes, got ${String(options.highWaterMark)}.`);
    }
    const url = realtimeURL(endpoint.baseURL, path, query);
    const where = `${url.origin}${url.pathname}`;
    return loadWebSocket().then((Socket) => new Promise((resolve, reject) => {
      const ws = new Socket(url, { headers: { Authorization: `Bearer ${endpoint.apiKey()}` }, perMessageDeflate: false });
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        outcome();
      };
      ws.once('open', () => settle(() => resolve(new RealtimeConnection<E>(ws, protocol, highWaterMark))));
      ws.on('unexpected-response', (_request, response) => {
        void readErrorBody(response).then((body) => {
          settle(() => reject(apiErrorFromBody(response.statusCode ?? 0, response.headers, body)));
          ws.terminate();
        });
      });
      ws.on('error', (error) => {
        settle(() => reject(new APIConnectionError(`Could not open the realtime connection to ${where}: ${error.message}`)));
      });
    }));
  }

  private constructor(ws: WebSocket, protocol: SessionProtocol, highWaterMark: number) {
    this.#ws = ws;
    this.#protocol = protocol;
    this.#highWaterMark = highWaterMark;
    this.#closed = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('message', (data, isBinary) => this.#receive(data, isBinary));
    ws.on('error', (error) => {
      this.#socketError ??= error;
    });
    ws.on('close', (code, reason) => this.#onClose(code, reason.toString('utf8')));
  }

  /** Bytes queued on the socket but not yet handed to the network. */
  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  get isOpen(): boolean {
    return this.#ws.readyState === this.#ws.OPEN && !this.#closeRequested;
  }

  /**
   * Sends one client event. Resolves once it is queued while the socket holds at most
   * `highWaterMark` unsent bytes; beyond that, resolves only when this event has been written
   * out, so a caller that awaits every send never has more than one event over the mark in memory.
   */
  send(event: object): Promise<void> {
    if (!this.isOpen) return Promise.reject(this.#failure ?? new TogetherAudioError('The realtime session is closed; open a new one.'));
    const data = JSON.stringify(event);
    return new Promise<void>((resolve, reject) => {
      let waiting = false;
      const fail = (error: Error) => {
        this.#pendingSends.delete(fail);
        reject(error);
      };
      this.#ws.send(data, (error) => {
        if (!waiting) return;
        this.#pendingSends.delete(fail);
        if (error) reject(this.#failure ?? new APIConnectionError(`Sending on the realtime connection failed: ${error.message}`));
        else resolve();
      });
      if (this.#ws.bufferedAmount <= this.#highWaterMark) {
        resolve();
        return;
      }
      waiting = true;
      this.#pendingSends.add(fail);
    });
  }

  /**
   * The next server event, `{ ended }` once the server closed the session normally,
   * `{ timedOut }`, or `{ woken }` after `wake()`. Throws RealtimeError for a failure event and RealtimeClosedError after an
   * unexpected close. One reader at a time.
   */
  next(options: NextOptions = {}): Promise<NextResult<E>> {
    if (this.#wakeReader) return Promise.reject(new TogetherAudioError('Another reader is already waiting for events on this realtime session.'));
    try {
      const ready = this.#take();
      if (ready) return Promise.resolve(ready);
    } catch (error) {
      return Promise.reject(error);
    }
    const { timeoutMs, signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const stopWaiting = () => {
        this.#wakeReader = undefined;
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        stopWaiting();
        reject(signal?.reason);
      };
      this.#wakeReader = (woken) => {
        stopWaiting();
        if (woken) {
          resolve({ woken: true });
          return;
        }
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

  /** Makes a waiting reader return `{ woken }` so that it re-checks its own state (e.g. after a commit). */
  wake(): void {
    this.#wakeReader?.(true);
  }

  /** Closes the session (close code 1000) and resolves once the socket has closed. */
  async close(): Promise<void> {
    if (this.#ws.readyState !== this.#ws.CLOSED) {
      this.#closeRequested = true;
      this.#ws.close(1000);
    }
    await this.#closed;
  }

  /** The error for a session that the server ended before `context` (for instance, before the audio was done). */
  closedError(context: string): RealtimeClosedError {
    return new RealtimeClosedError(this.#closeCode, this.#closeReason, context);
  }

  /** Drops the connection after a protocol violation; readers get `error` after the queued events. */
  fail(error: Error): void {
    this.#failure ??= error;
    this.#ws.terminate();
  }

  /** A queued event, the end, or the failure; undefined when the reader has to wait. */
  #take(): NextResult<E> | undefined {
    const event = this.#queue.shift();
    if (event) {
      if (this.#ws.isPaused && this.#queue.length <= MAX_QUEUED_EVENTS / 2) this.#ws.resume();
      if (event.type === this.#protocol.failedEventType) throw new RealtimeError(failureDetail(event));
      return { event };
    }
    if (this.#failure) throw this.#failure;
    if (this.#ended) return { ended: true };
    return undefined;
  }

  #receive(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.#failure) return;
    let event: unknown;
    try {
      if (isBinary) throw new Error('binary frame');
      event = JSON.parse(rawText(data));
    } catch {
      this.fail(new RealtimeProtocolError('The server sent a realtime message that is not a JSON event.'));
      return;
    }
    if (typeof event !== 'object' || event === null || typeof (event as ServerEvent).type !== 'string') {
      this.fail(new RealtimeProtocolError('The server sent a realtime event without a "type".'));
      return;
    }
    this.#queue.push(event as E);
    if (this.#queue.length >= MAX_QUEUED_EVENTS && !this.#ws.isPaused) this.#ws.pause();
    this.#wakeReader?.();
  }

  #onClose(code: number, reason: string): void {
    this.#ended = true;
    this.#closeCode = code;
    this.#closeReason = reason;
    if (!this.#closeRequested && code !== 1000) {
      this.#failure ??= new RealtimeClosedError(code, reason || (this.#socketError?.message ?? ''), 'during the session');
    }
    const sendFailure = this.#failure ?? new TogetherAudioError('The realtime session closed before the event was sent.');
    for (const fail of [...this.#pendingSends]) fail(sendFailure);
    this.#wakeReader?.();
  }
}

/**
 * Opens a session and waits for its `session.created`, the server's first event. A failure event
 * instead (e.g. `invalid_api_key`) rejects with RealtimeError, and the socket is closed.
 */
export async function openSession<E extends ServerEvent, Session>(
  endpoint: RealtimeEndpoint,
  path: string,
  query: Record<string, QueryValue>,
  protocol: SessionProtocol,
  options: RealtimeSocketOptions = {},
): Promise<{ connection: RealtimeConnection<E>; session: Session }> {
  const connection = await RealtimeConnection.open<E>(endpoint, path, query, protocol, options);
  try {
    const first = await connection.next();
    if ('event' in first && first.event.type === 'session.created') {
      return { connection, session: (first.event as unknown as { session: Session }).session };
    }
    if ('event' in first) throw new RealtimeProtocolError(`Expected session.created as the first realtime event, got ${first.event.type}.`);
    throw connection.closedError('before session.created');
  } catch (error) {
    await connection.close();
    throw error;
  }
}

function failureDetail(event: ServerEvent): ErrorDetail {
  const detail = errorDetailOf(event);
  if (detail) return { ...detail, type: typeof detail.type === 'string' ? detail.type : 'unknown' };
  return { message: `The server reported ${event.type} without an error message.`, type: 'unknown' };
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}
