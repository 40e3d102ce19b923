import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import type { ByteSource } from '../bytes';
import type { Platform } from '../platform';
import { baseName, UploadFileError, UploadSource } from '../uploads';

const KEEP_ALIVE = { keepAlive: true, scheduling: 'lifo', timeout: 5000 } as const;

/**
 * Node (also Bun and Deno, which run the Node entry): keep-alive agents, uploads from paths, and
 * streamed bodies as Node Readables, which is what axios's http adapter sends.
 */
export const nodePlatform: Platform = {
  get axiosDefaults() {
    // Reuse connections on every supported Node: the global agents only keep sockets alive from
    // Node 19 on. Same settings as those global agents (idle sockets closed after 5 s).
    return { httpAgent: new http.Agent(KEEP_ALIVE), httpsAgent: new https.Agent(KEEP_ALIVE) };
  },
  openFile,
  streamBody: (body) => Readable.from(body, { objectMode: false }),
  decodeBody,
  uploadTransport,
  decodeBase64,
};

/**
 * Node's native decoder, held to the portable decoder's rules (src/bytes.ts). Buffer skips
 * characters that are not base64, which shows as missing bytes, so the length is checked (cheaper
 * than a regex over the text); it also takes base64url's `-` and `_`, and lengths and padding that
 * are not base64.
 */
function decodeBase64(text: string): Uint8Array | undefined {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const digits = text.length - padding;
  if (digits % 4 === 1 || (padding > 0 && text.length % 4 !== 0) || text.includes('-') || text.includes('_')) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === Math.floor((digits * 3) / 4) ? bytes : undefined;
}

/**
 * Decoders for Content-Encoding. Each passes on what it has as data arrives (so events stream), but
 * finishes strictly: a stream that ends before its end marker fails instead of yielding what was
 * decoded so far. `deflate` is the zlib format (RFC 9110); raw deflate fails as corrupt.
 */
const gunzip = () => zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH });
const DECODERS: Record<string, () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress> = {
  gzip: gunzip,
  'x-gzip': gunzip,
  deflate: () => zlib.createInflate({ flush: zlib.constants.Z_SYNC_FLUSH }),
  br: () => zlib.createBrotliDecompress({ flush: zlib.constants.BROTLI_OPERATION_FLUSH }),
};

/** The body with its Content-Encoding removed; a failure of the connection underneath passes through as it is. */
function decodeBody(source: ByteSource, encoding: string, corrupt: (problem: string) => Error): ByteSource | undefined {
  const create = DECODERS[encoding];
  if (!create) return undefined;
  const raw = source instanceof Readable ? source : Readable.from(source as AsyncIterable<unknown>);
  const decoder = create();
  const output = new PassThrough();
  // The first failure is the one the reader gets: destroying a destroyed stream does nothing.
  raw.once('error', (error) => output.destroy(error));
  decoder.once('error', (error) => {
    raw.destroy();
    output.destroy(corrupt(`the ${encoding}-encoded body is truncated or corrupt (${error.message})`));
  });
  output.once('close', () => {
    raw.destroy();
    decoder.destroy();
  });
  raw.pipe(decoder).pipe(output);
  return output;
}

/**
 * The transport of a request whose body is a stream (an upload). axios times such a request by the
 * wall clock until the response headers arrive, which kills a long upload whose bytes are still
 * flowing. With this transport only Node's socket timeout applies, which axios sets from `timeout`
 * and which measures inactivity: no byte sent or received for that long. The connect phase, which
 * that timer does not cover, is bounded by `timeout` here.
 */
function uploadTransport(timeoutMs: number | undefined) {
  return {
    request(options: http.RequestOptions, onResponse: (response: http.IncomingMessage) => void): http.ClientRequest {
      const request = (options.protocol === 'https:' ? https : http).request(options, onResponse);
      if (timeoutMs) {
        request.once('socket', (socket: Socket) => {
          if (!socket.connecting) return;
          // Handled by axios like its own timeout.
          const timer = setTimeout(() => request.emit('timeout'), timeoutMs);
          const clear = () => clearTimeout(timer);
          socket.once('connect', clear);
          request.once('close', clear);
        });
      }
      return request;
    },
  };
}

/**
 * A path (or file: URL) to upload, checked with `stat` here, before any network I/O; its bytes are
 * streamed from disk when sent, never read whole into memory, and read again for a retry.
 */
async function openFile(location: string | URL): Promise<UploadSource> {
  const path = typeof location === 'string' ? location : fileURLToPath(location);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (error as Error).message})`;
    throw new UploadFileError(`Audio file ${JSON.stringify(path)} ${reason}.`, path, { cause: error });
  }
  if (!info.isFile()) {
    throw new UploadFileError(`Audio file ${JSON.stringify(path)} is not a regular file${info.isDirectory() ? ' (it is a directory)' : ''}.`, path);
  }
  return new UploadSource(() => createReadStream(path), baseName(path), `file ${JSON.stringify(path)}`, 'application/octet-stream', info.size, true);
}
