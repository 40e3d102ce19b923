import type WebSocket from 'ws';
import { concatBytes } from '../bytes';
import { APIConnectionError, APITimeoutError, TogetherAudioError, apiErrorFromBody, redactor, userAbortError } from '../errors';
import { readErrorBody } from '../response-body';

/**
 * One websocket, whatever implements it: `ws` in Node (headers, ping, pause, terminate) or the
 * platform's WebSocket elsewhere (browsers, Deno, Node's global WebSocket), which can do none of
 * those, so the connection degrades: no ping liveness, no read pause (the byte bound then fails the
 * session instead of pushing back), and `terminate` is a close.
 */
export interface RealtimeSocket {
  readonly bufferedAmount: number;
  readonly isOpen: boolean;
  readonly canPause: boolean;
  readonly canPing: boolean;
  /** `done` runs once the frame has left the client's buffer (ws) or the buffer has drained (platform). */
  send(data: string, done: (error?: Error) => void): void;
  close(code: number): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  /** Sends a ping; `onPong` runs when its pong arrives. */
  ping(onPong: () => void): void;
}

export interface SocketHandlers {
  /** A text frame's text, or null for a binary frame (the protocol has none). */
  message(text: string | null, bytes: number): void;
  close(code: number, reason: string): void;
}

/** The constructor of a platform (WHATWG) WebSocket, e.g. `globalThis.WebSocket`. */
export type PlatformWebSocketConstructor = new (url: string, protocols?: string | string[]) => PlatformWebSocket;

interface PlatformWebSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  binaryType: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: { data?: unknown; code?: number; reason?: string }) => void): void;
}

export interface TransportOptions {
  /**
   * Allows the platform WebSocket, which cannot send headers: the key then travels in the URL
   * (TTS) or a subprotocol (transcription), where page scripts and proxies can read it. Needed
   * wherever `ws` is not used.
   */
  dangerouslyAllowBrowser?: boolean;
  /** A platform WebSocket constructor to use instead of `ws` (default: `ws` in Node, `globalThis.WebSocket` elsewhere). */
  WebSocket?: PlatformWebSocketConstructor;
}

/** How the key is sent: the Bearer header with `ws`; a query parameter or subprotocols with the platform WebSocket. */
export interface SocketAuth {
  headers: Record<string, string>;
  /** Browser auth of this endpoint: adds to the query and/or returns subprotocols. */
  browser(url: URL, apiKey: string): string[];
}

export interface OpenSocketRequest {
  url: URL;
  apiKey: () => string;
  auth: SocketAuth;
  handshakeTimeoutMs: number;
  signal?: AbortSignal;
}

let wsClass: Promise<typeof WebSocket> | undefined;

/** `ws`, loaded with the first session rather than with the package, so that importing the client stays cheap. */
function loadWs(): Promise<typeof WebSocket> {
  wsClass ??= import('ws').then((module) => module.default as typeof WebSocket);
  return wsClass;
}

export function isNodeRuntime(): boolean {
  const runtime = globalThis as { process?: { versions?: { node?: string } }; window?: unknown };
  return typeof runtime.process?.versions?.node === 'string' && runtime.window === undefined;
}

/**
 * The platform WebSocket to use, or undefined for `ws`. Throws before any I/O when the platform
 * one would be needed but is not allowed or not there.
 */
export function platformWebSocket(options: TransportOptions): PlatformWebSocketConstructor | undefined {
  const constructor = options.WebSocket ?? (isNodeRuntime() ? undefined : (globalThis as { WebSocket?: PlatformWebSocketConstructor }).WebSocket);
  if (!constructor && !isNodeRuntime()) throw new TogetherAudioError('This runtime has no WebSocket; pass one as the WebSocket option.');
  if (constructor && options.dangerouslyAllowBrowser !== true) {
    throw new TogetherAudioError(
      'The platform WebSocket cannot send an Authorization header, so the API key would travel in the URL or a subprotocol, ' +
        'readable by page scripts and proxies. Use a short-lived key and pass dangerouslyAllowBrowser: true to accept that.',
    );
  }
  return constructor;
}

/** Opens the socket; resolves once it is open. Every failure is a TogetherAudioError, and none names the key. */
export function openSocket(request: OpenSocketRequest, handlers: SocketHandlers, options: TransportOptions): Promise<RealtimeSocket> {
  const platform = platformWebSocket(options);
  const signal = request.signal;
  if (signal?.aborted) return Promise.reject(userAbortError(signal));
  return platform ? openPlatform(platform, request, handlers) : openWs(request, handlers);
}

function describeTarget(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** Runs the shared deadline and abort handling of an opening socket. */
function opening(request: OpenSocketRequest, abort: () => void) {
  let settled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onTimeout = (): Error => new APITimeoutError(`The realtime upgrade to ${describeTarget(request.url)} got no answer within ${request.handshakeTimeoutMs} ms.`);
  return {
    start(resolve: (socket: RealtimeSocket) => void, reject: (error: unknown) => void) {
      const finish = () => {
        settled = true;
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        if (settled) return;
        finish();
        abort();
        reject(userAbortError(request.signal));
      };
      timer = setTimeout(() => {
        if (settled) return;
        finish();
        abort();
        reject(onTimeout());
      }, request.handshakeTimeoutMs);
      request.signal?.addEventListener('abort', onAbort, { once: true });
      return {
        resolve: (socket: RealtimeSocket) => {
          if (settled) return socket.terminate();
          finish();
          resolve(socket);
        },
        reject: (error: unknown) => {
          if (settled) return;
          finish();
          abort();
          reject(error);
        },
        /** What a timeout rejects with from now on (e.g. the refusal whose body is still arriving). */
        onTimeout: (make: () => Error) => {
          onTimeout = make;
        },
      };
    },
  };
}

async function openWs(request: OpenSocketRequest, handlers: SocketHandlers): Promise<RealtimeSocket> {
  const where = describeTarget(request.url);
  const Socket = await loadWs();
  const ws = new Socket(request.url, {
    headers: { Authorization: `Bearer ${request.apiKey()}`, ...request.auth.headers },
    perMessageDeflate: false,
  });
  ws.on('error', () => undefined); // reported through the open promise or the close code
  return new Promise((resolve, reject) => {
    const open = opening(request, () => ws.terminate()).start(resolve, reject);
    ws.once('open', () => open.resolve(wsSocket(ws, handlers)));
    ws.on('unexpected-response', (_request, response) => {
      // Mapped like an HTTP error response (one mapping for both), with the key hidden should the server echo it.
      const redact = redactor(request.apiKey());
      const status = response.statusCode ?? 0;
      const chunks: Uint8Array[] = [];
      const refusal = () => apiErrorFromBody(status, response.headers, concatBytes(chunks), redact);
      open.onTimeout(() => {
        response.destroy();
        return refusal();
      });
      void readErrorBody(response, undefined, chunks).then(() => open.reject(refusal()));
    });
    ws.once('error', (error) => open.reject(new APIConnectionError(`Could not open the realtime connection to ${where}: ${error.message}`)));
  });
}

function wsSocket(ws: WebSocket, handlers: SocketHandlers): RealtimeSocket {
  ws.on('message', (data, isBinary) => {
    // ws's default binaryType ('nodebuffer') gives every message, text or binary, as one Buffer.
    const buffer = data as Buffer;
    handlers.message(isBinary ? null : buffer.toString('utf8'), buffer.length);
  });
  ws.on('close', (code, reason) => handlers.close(code, reason.toString('utf8')));
  let pongWaiter: (() => void) | undefined;
  ws.on('pong', () => {
    const waiter = pongWaiter;
    pongWaiter = undefined;
    waiter?.();
  });
  return {
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    get isOpen() {
      return ws.readyState === ws.OPEN;
    },
    canPause: true,
    canPing: true,
    send: (data, done) => ws.send(data, (error) => done(error ?? undefined)),
    close: (code) => ws.close(code),
    terminate: () => ws.terminate(),
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    ping: (onPong) => {
      pongWaiter = onPong;
      ws.ping();
    },
  };
}

function openPlatform(Platform: PlatformWebSocketConstructor, request: OpenSocketRequest, handlers: SocketHandlers): Promise<RealtimeSocket> {
  const url = new URL(request.url);
  const protocols = request.auth.browser(url, request.apiKey());
  const where = describeTarget(url);
  const ws = new Platform(url.href, protocols.length > 0 ? protocols : undefined);
  ws.binaryType = 'arraybuffer';
  let opened = false;
  return new Promise((resolve, reject) => {
    const open = opening(request, () => ws.close()).start(resolve, reject);
    ws.addEventListener('open', () => {
      opened = true;
      open.resolve(platformSocket(ws));
    });
    ws.addEventListener('message', ({ data }) => {
      if (typeof data === 'string') handlers.message(data, data.length);
      else handlers.message(null, (data as ArrayBuffer | undefined)?.byteLength ?? 0);
    });
    // The platform WebSocket hides why an upgrade failed (status, body): only that it did.
    const refused = (code?: number) => new APIConnectionError(`Could not open the realtime connection to ${where}${code ? ` (close code ${code})` : ''}.`);
    ws.addEventListener('error', () => {
      if (!opened) open.reject(refused());
    });
    ws.addEventListener('close', ({ code, reason }) => {
      if (!opened) open.reject(refused(code));
      else handlers.close(code ?? 1006, reason ?? '');
    });
  });
}

function platformSocket(ws: PlatformWebSocket): RealtimeSocket {
  return {
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    get isOpen() {
      return ws.readyState === 1;
    },
    canPause: false,
    canPing: false,
    send: (data, done) => {
      try {
        ws.send(data);
      } catch (error) {
        done(error as Error);
        return;
      }
      // The platform has no send callback: report once its buffer has drained.
      const poll = () => (ws.bufferedAmount === 0 || ws.readyState !== 1 ? done(ws.readyState === 1 ? undefined : new Error('socket closed')) : setTimeout(poll, 5));
      poll();
    },
    close: (code) => ws.close(code),
    terminate: () => ws.close(1000),
    pause: () => undefined,
    resume: () => undefined,
    ping: () => undefined,
  };
}
