import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export interface LocalServer {
  server: Server;
  port: number;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** `http://127.0.0.1:PORT/v1` */
  baseURL: string;
  /** TCP connections accepted so far: shows whether a client reuses its sockets. */
  connectionCount(): number;
  /** Destroys every socket and stops listening. */
  close(): Promise<void>;
}

export interface LocalServerOptions {
  port?: number;
  keepAliveTimeout?: number;
  onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

export function startLocalServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
  options?: LocalServerOptions,
): Promise<LocalServer>;
