import type { ByteSource } from './bytes';
import type { UploadSource } from './uploads';

/**
 * What differs between runtimes, supplied by the entry point: the runtime-neutral one (browsers,
 * workers, Deno, Bun) uses the defaults below; the Node one (src/node) adds keep-alive agents,
 * file paths and Node streams. Nothing here is imported by the core from Node.
 */
export interface Platform {
  /** Extra axios defaults, e.g. keep-alive agents. */
  readonly axiosDefaults?: Record<string, unknown>;
  /** Opens a file path (or `file:` URL) for upload; absent where there is no file system. */
  readonly openFile?: (path: string | URL) => Promise<UploadSource>;
  /** Turns a streamed request body into what the transport sends (a Node Readable for Node's http). */
  readonly streamBody: (body: AsyncIterable<Uint8Array>) => Promise<unknown> | unknown;
  /**
   * Removes a Content-Encoding from a body that arrived encoded (fetch runtimes decode bodies
   * themselves); undefined for an encoding it does not know. A corrupt or truncated body fails the
   * returned stream with `corrupt(problem)`.
   */
  readonly decodeBody?: (raw: ByteSource, encoding: string, corrupt: (problem: string) => Error) => ByteSource | undefined;
  /** A faster base64 decoder than the portable one, with the same contract: undefined for text that is not base64. */
  readonly decodeBase64?: (text: string) => Uint8Array | undefined;
  /** The transport of a request that uploads a stream, for a timeout that measures inactivity rather than the whole upload. */
  readonly uploadTransport?: (timeoutMs: number | undefined) => unknown;
}

/** A page in a browser (not a worker): anything shipped to it, the API key included, can be read by its users. */
export function isBrowserPage(): boolean {
  const scope = globalThis as { window?: { document?: unknown }; navigator?: unknown };
  return typeof scope.window === 'object' && scope.window !== null && typeof scope.window.document !== 'undefined' && typeof scope.navigator !== 'undefined';
}

/** An environment variable where the runtime has them (Node, Bun, Deno with --allow-env); never throws. */
export function readEnv(name: string): string | undefined {
  try {
    const scope = globalThis as { process?: { env?: Record<string, string | undefined> }; Deno?: { env: { get: (name: string) => string | undefined } } };
    return scope.process?.env?.[name] ?? scope.Deno?.env.get(name);
  } catch {
    return undefined;
  }
}

/**
 * The fetch-based default. A browser page cannot stream a request body over HTTP/1.1 (Chromium
 * requires HTTP/2 for that), so there a streamed upload is collected into a Blob first; workers
 * and other runtimes send it as a ReadableStream.
 */
export const webPlatform: Platform = {
  async streamBody(body) {
    if (isBrowserPage()) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of body) chunks.push(chunk);
      return new Blob(chunks);
    }
    const iterator = body[Symbol.asyncIterator]();
    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const { done, value } = await iterator.next();
          if (done) controller.close();
          else controller.enqueue(value);
        },
        async cancel() {
          await iterator.return?.();
        },
      },
      { highWaterMark: 0 },
    );
  },
};
