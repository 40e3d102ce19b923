import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, startChild, type RunningChild } from './processes';

/**
 * Verdaccio from node_modules, on 127.0.0.1 and a port the OS picks, with its storage, users and
 * configuration in `dir`. It has no uplinks: it holds only what is published to it, and every
 * read and publish needs a registered user's token, as a company registry would.
 */
export class LocalRegistry {
  private constructor(
    private readonly child: RunningChild,
    readonly url: string,
  ) {}

  static async start(dir: string): Promise<LocalRegistry> {
    mkdirSync(dir, { recursive: true });
    const config = path.join(dir, 'config.yaml');
    writeFileSync(
      config,
      [
        `storage: ${JSON.stringify(path.join(dir, 'storage'))}`,
        'auth:',
        '  htpasswd:',
        `    file: ${JSON.stringify(path.join(dir, 'htpasswd'))}`,
        'uplinks: {}',
        'packages:',
        "  '**':",
        '    access: $authenticated',
        '    publish: $authenticated',
        'web:',
        '  enable: false',
        'middlewares:',
        '  audit:',
        '    enabled: false',
        'log: { type: stdout, format: json, level: warn }',
        '',
      ].join('\n'),
    );
    const launcher = path.join(dir, 'launch-verdaccio.cjs');
    writeFileSync(launcher, launcherSource(path.join(repoRoot, 'node_modules', 'verdaccio')));
    const child = await startChild(process.execPath, [launcher, config], { cwd: dir, ready: /verdaccio listening on (\d+)/ });
    return new LocalRegistry(child, `http://127.0.0.1:${child.ready[1]}/`);
  }

  /** Registers a user through the npm adduser endpoint and returns its auth token. */
  async addUser(name: string, password: string): Promise<string> {
    const response = await requestJson(new URL(`-/user/org.couchdb.user:${encodeURIComponent(name)}`, this.url), 'PUT', {
      _id: `org.couchdb.user:${name}`,
      name,
      password,
      type: 'user',
      roles: [],
    });
    if (response.status !== 201 || typeof response.body.token !== 'string') {
      throw new Error(`adduser answered ${response.status}: ${JSON.stringify(response.body)}`);
    }
    return response.body.token;
  }

  /** The registry's view of a package (its packument), read with a token. */
  async packument(name: string, token: string): Promise<{ status: number; body: Record<string, unknown> }> {
    return requestJson(new URL(name.replace('/', '%2f'), this.url), 'GET', undefined, token);
  }

  /** npmrc lines that send `@scope` packages, and this registry's token, to this registry. */
  npmrcLines(scope: string, token: string): string[] {
    return [`${scope}:registry=${this.url}`, `//${new URL(this.url).host}/:_authToken=${token}`];
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}

function launcherSource(verdaccioDir: string): string {
  return `
const { runServer } = require(${JSON.stringify(verdaccioDir)});
// Exit with the test process: it holds our stdin open.
process.stdin.on('end', () => process.exit(0)).resume();
process.on('SIGTERM', () => process.exit(0));
runServer(process.argv[2]).then((server) => {
  server.listen(0, '127.0.0.1', () => console.log('verdaccio listening on ' + server.address().port));
}, (error) => { console.error(error); process.exit(1); });
`;
}

function requestJson(
  url: URL,
  method: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; body: Record<string, unknown> & { token?: unknown } }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = http.request(
      url,
      {
        method,
        agent: false,
        headers: {
          accept: 'application/json',
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
          } catch {
            resolve({ status: response.statusCode ?? 0, body: { text } });
          }
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}
