import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { startLocalServer, type LocalServer } from './local-server.cjs';
import { checkClientEvent, checkQuery, type ClientMessage, type RealtimePath } from './realtime-protocol';

export interface RecordedUpgrade {
  path: string;
  url: URL;
  headers: IncomingHttpHeaders;
}

export type SessionScript = (peer: ServerPeer) => Promise<void> | void;

/** A refused upgrade: an HTTP status with an ErrorData body instead of 101. */
export interface Refusal {
  status: number;
  body: unknown;
}

/**
 * A local stand-in for Together's realtime endpoints on 127.0.0.1 and an ephemeral port. It checks
 * what a real server would (Bearer key, query parameters, every client event's name and shape)
 * and runs a test's script as the server's side of each session. A check that fails is recorded
 * in `violations`, refuses the upgrade (401/400 with ErrorData), or rejects the script's `next()`.
 */
export class FakeRealtime {
  readonly upgrades: RecordedUpgrade[] = [];
  readonly violations: string[] = [];
  readonly peers: ServerPeer[] = [];
  /** The TCP sockets of stalled upgrades (see `stall`), to see whether the client let go of them. */
  readonly stalled: Socket[] = [];
  private readonly scripts = new Map<RealtimePath, { script: SessionScript; record: boolean }>();
  private readonly refusals = new Map<RealtimePath, Refusal>();
  private readonly stalls = new Map<RealtimePath, 'upgrade' | 'refusal-body'>();
  private readonly scriptRuns: Promise<void>[] = [];
  private readonly wss: WebSocketServer;

  private constructor(
    private readonly server: LocalServer,
    readonly apiKey: string,
    autoPong: boolean,
  ) {
    // Browsers fail a connection whose server picks none of the offered subprotocols; Together picks `realtime`.
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, autoPong, handleProtocols: (offered) => (offered.has('realtime') ? 'realtime' : false) });
  }

  /** `autoPong: false` makes the server ignore websocket pings, as a dead peer would. */
  static async start(options: { apiKey?: string; autoPong?: boolean } = {}): Promise<FakeRealtime> {
    let upgrade = (_req: IncomingMessage, _socket: Socket, _head: Buffer): void => undefined;
    const server = await startLocalServer(
      (_req, res) => {
        res.writeHead(426, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'websocket upgrade required', type: 'invalid_request_error' } }));
      },
      { onUpgrade: (req, socket, head) => upgrade(req, socket as Socket, head) },
    );
    const fake = new FakeRealtime(server, options.apiKey ?? 'test-key-realtime-0123456789', options.autoPong ?? true);
    upgrade = (req, socket, head) => fake.upgrade(req, socket, head);
    return fake;
  }

  get baseURL(): string {
    return this.server.baseURL;
  }

  /** Runs `script` for each session on `path`; `record: false` keeps `peer.received` empty (for bulk audio). */
  onSession(path: RealtimePath, script: SessionScript, options: { record?: boolean } = {}): this {
    this.scripts.set(path, { script, record: options.record ?? true });
    return this;
  }

  refuse(path: RealtimePath, refusal: Refusal): this {
    this.refusals.set(path, refusal);
    return this;
  }

  /**
   * Makes upgrades on `path` hang: `upgrade` never answers the request; `refusal-body` answers 401
   * with a content-length and never sends the whole body.
   */
  stall(path: RealtimePath, how: 'upgrade' | 'refusal-body'): this {
    this.stalls.set(path, how);
    return this;
  }

  /** Waits for every session script to finish and rethrows the first failure. */
  async scriptsFinished(): Promise<void> {
    await Promise.all(this.scriptRuns);
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await this.server.close();
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.replace(/^\/v1/, '') as RealtimePath;
    this.upgrades.push({ path, url, headers: req.headers });
    const stall = this.stalls.get(path);
    if (stall) this.stalled.push(socket);
    if (stall === 'upgrade') return;
    if (stall === 'refusal-body') {
      socket.write('HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"error": {"mess');
      return;
    }
    const refusal = this.refusals.get(path) ?? this.authRefusal(req, path, url) ?? queryRefusal(path, url);
    const route = this.scripts.get(path);
    if (refusal || !route) {
      const { status, body } = refusal ?? { status: 404, body: { error: { message: `no realtime route ${url.pathname}`, type: 'not_found' } } };
      const text = JSON.stringify(body);
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const peer = new ServerPeer(ws, socket, path, url, this.violations, route.record);
      this.peers.push(peer);
      const run = Promise.resolve().then(() => route.script(peer));
      run.catch(() => undefined); // reported by scriptsFinished(), if the test asks
      this.scriptRuns.push(run);
    });
  }

  /** Together's documented auth: the Bearer header; for browsers `?api_key=` (TTS) or subprotocols (STT). */
  private authRefusal(req: IncomingMessage, path: RealtimePath, url: URL): Refusal | undefined {
    const protocols = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const keyProtocol = protocols.find((p) => p.startsWith('openai-insecure-api-key.'));
    const key =
      req.headers.authorization !== undefined ? req.headers.authorization.replace(/^Bearer /, '')
      : path === '/audio/speech/websocket' && url.searchParams.has('api_key') ? url.searchParams.get('api_key')
      : path === '/realtime' && keyProtocol ? keyProtocol.slice('openai-insecure-api-key.'.length)
      : undefined;
    if (key === undefined || key === null) return { status: 401, body: errorData('Authorization header missing', 'missing_api_key') };
    if (key !== this.apiKey || (req.headers.authorization !== undefined && !req.headers.authorization.startsWith('Bearer '))) {
      return { status: 401, body: errorData('Invalid API key provided', 'invalid_api_key') };
    }
    return undefined;
  }
}

function queryRefusal(path: RealtimePath, url: URL): Refusal | undefined {
  const problem = checkQuery(path, url.searchParams);
  return problem ? { status: 400, body: errorData(problem, 'invalid_request') } : undefined;
}

export function errorData(message: string, code: string, param: string | null = null): { error: { message: string; type: string; param: string | null; code: string } } {
  return { error: { message, type: 'invalid_request_error', param, code } };
}

/** The server's side of one session, for a test script. */
export class ServerPeer {
  readonly received: ClientMessage[] = [];
  private readonly inbox: ClientMessage[] = [];
  private waiting: { resolve: (message: ClientMessage) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(
    readonly socket: WebSocket,
    /** The TCP socket under `socket`, e.g. to cork it so that several frames leave in one packet. */
    readonly tcp: Socket,
    readonly path: RealtimePath,
    readonly url: URL,
    private readonly violations: string[],
    private readonly record = true,
  ) {
    socket.on('message', (data, isBinary) => this.receive(data as Buffer, isBinary));
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.reject(new Error(`client closed the session (${code})`));
        resolve({ code, reason: reason.toString() });
      });
    });
    socket.on('error', () => undefined);
  }

  send(event: object): void {
    this.socket.send(JSON.stringify(event));
  }

  /** Sends and resolves once the event has been written to the socket (e.g. before terminating it). */
  sendFlushed(event: object): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(JSON.stringify(event), (error) => (error ? reject(error) : resolve())));
  }

  /** The next client event, already checked against the protocol. */
  next(): Promise<ClientMessage> {
    const message = this.inbox.shift();
    if (message) return Promise.resolve(message);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /** Reads client events until one of `type` arrives and returns it with those before it. */
  async until(type: string): Promise<{ event: ClientMessage; before: ClientMessage[] }> {
    const before: ClientMessage[] = [];
    for (;;) {
      const event = await this.next();
      if (event.type === type) return { event, before };
      before.push(event);
    }
  }

  private receive(data: Buffer, isBinary: boolean): void {
    let message: ClientMessage;
    try {
      if (isBinary) throw new Error('binary frame from the client');
      message = JSON.parse(data.toString('utf8')) as ClientMessage;
      checkClientEvent(this.path, message);
    } catch (error) {
      const violation = `${this.path}: ${(error as Error).message}`;
      this.violations.push(violation);
      this.reject(new Error(violation));
      return;
    }
    if (this.record) this.received.push(message);
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve(message);
    } else {
      this.inbox.push(message);
    }
  }

  private reject(error: Error): void {
    this.failure ??= error;
    if (this.waiting) {
      const { reject } = this.waiting;
      this.waiting = undefined;
      reject(error);
    }
  }
}
