import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
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
};

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
  return new UploadSource(() => createReadStream(path), baseName(path), 'application/octet-stream', info.size, true);
}
