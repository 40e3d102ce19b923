import busboy from 'busboy';
import { createHash } from 'node:crypto';
import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startLocalServer, type LocalServer } from './local-server.cjs';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface RecordedRequest {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
}

/**
 * A local stand-in for the Together API on 127.0.0.1 and an ephemeral port. Tests register a
 * handler per `METHOD /path`; every request is recorded, and an unrouted one gets a 404 that
 * fails the test that made it.
 */
export class FakeTogether {
  readonly requests: RecordedRequest[] = [];
  private readonly routes = new Map<string, Handler>();
  private server!: LocalServer;
  private constructor() {}

  static async start(): Promise<FakeTogether> {
    const fake = new FakeTogether();
    fake.server = await startLocalServer((req, res) => fake.dispatch(req, res));
    return fake;
  }

  get port(): number {
    return this.server.port;
  }

  get baseURL(): string {
    return this.server.baseURL;
  }

  /** The underlying server, e.g. to serve websocket upgrades beside the routes. */
  get httpServer(): http.Server {
    return this.server.server;
  }

  route(key: `${'GET' | 'POST' | 'HEAD'} /${string}`, handler: Handler): this {
    this.routes.set(key, handler);
    return this;
  }

  reset(): void {
    this.routes.clear();
    this.requests.length = 0;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private dispatch(req: IncomingMessage, res: ServerResponse): void | Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    this.requests.push({ method: req.method ?? '', url, headers: req.headers });
    const handler = this.routes.get(`${req.method} ${url.pathname.replace(/^\/v1/, '')}`);
    if (!handler) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no route for ${req.method} ${url.pathname}`, type: 'not_found' } }));
      return;
    }
    return handler(req, res);
  }
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  return JSON.parse((await readBody(req)).toString('utf8'));
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
  headers: http.OutgoingHttpHeaders = {},
): void {
  sendJson(res, status, { error: { message, type: 'invalid_request_error', param: null, code: null, ...extra } }, headers);
}

export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  /** The bytes, kept only when the part is at most `keepBytesUpTo` long. */
  data?: Buffer;
}

export interface ParsedMultipart {
  fields: Record<string, string[]>;
  files: UploadedFile[];
}

/** Parses a multipart body as it streams in, hashing file parts so large uploads stay cheap. */
export function parseMultipart(req: IncomingMessage, keepBytesUpTo = 1 << 20): Promise<ParsedMultipart> {
  return new Promise((resolve, reject) => {
    const parsed: ParsedMultipart = { fields: {}, files: [] };
    const parser = busboy({ headers: req.headers, limits: { fileSize: Infinity } });
    parser.on('field', (name, value) => (parsed.fields[name] ??= []).push(value));
    parser.on('file', (field, stream, info) => {
      const hash = createHash('sha256');
      const kept: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        size += chunk.length;
        if (size <= keepBytesUpTo) kept.push(chunk);
      });
      stream.on('end', () =>
        parsed.files.push({
          field,
          filename: info.filename ?? '',
          contentType: info.mimeType,
          size,
          sha256: hash.digest('hex'),
          data: size <= keepBytesUpTo ? Buffer.concat(kept) : undefined,
        }),
      );
    });
    parser.on('close', () => resolve(parsed));
    parser.on('error', reject);
    req.pipe(parser);
  });
}

export function sha256(data: Buffer | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Writes server-sent events the way /audio/speech streams them, ending with `data: [DONE]`. */
export function writeSpeechEvents(res: ServerResponse, pcmChunks: Buffer[], model = 'cartesia/sonic'): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const chunk of pcmChunks) {
    res.write(`data: ${JSON.stringify({ data: { object: 'audio.tts.chunk', model, b64: chunk.toString('base64') } })}\n\n`);
  }
  res.end('data: [DONE]\n\n');
}
