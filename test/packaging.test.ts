import path from 'node:path';
import { FakeTogether, sendJson } from './support/fake-together';
import { run } from './support/processes';
import { version as packageVersion } from '../package.json';
import {
  buildAndPack,
  makeConsumerProject,
  makeTempDir,
  npm,
  PACKAGE_NAME,
  removeDir,
  runConsumerCall,
  typeCheckConsumer,
  writeUserConfig,
  type PackedPackage,
} from './support/package-consumer';

jest.setTimeout(120_000);

const API_KEY = 'packaging-test-key';
const voices = { data: [{ model: 'cartesia/sonic', voices: [{ id: 'v1', name: 'tara' }] }] };

/** What a consumer needs, and nothing else: no sources, tests, spec or generator inputs. */
const expectedFiles = [
  'CHANGELOG.md',
  'LICENSE',
  'README.md',
  'dist/api-*.d.mts',
  'dist/api-*.d.ts',
  'dist/api.cjs',
  'dist/api.cjs.map',
  'dist/api.d.mts',
  'dist/api.d.ts',
  'dist/api.mjs',
  'dist/api.mjs.map',
  'dist/api.node.mjs',
  'dist/chunk-*.mjs',
  'dist/chunk-*.mjs.map',
  'dist/cli.cjs',
  'dist/cli.cjs.map',
  'dist/http-stack-*.mjs',
  'dist/http-stack-*.mjs.map',
  'dist/index.cjs',
  'dist/index.cjs.map',
  'dist/index.d.mts',
  'dist/index.d.ts',
  'dist/index.mjs',
  'dist/web-*.d.mts',
  'dist/web-*.d.ts',
  'dist/web.cjs',
  'dist/web.cjs.map',
  'dist/web.d.mts',
  'dist/web.d.ts',
  'dist/web.mjs',
  'dist/web.mjs.map',
  'package.json',
];

let workDir: string;
let packed: PackedPackage;
let consumer: string;
let server: FakeTogether;

beforeAll(async () => {
  workDir = makeTempDir('together-audio-packaging-');
  const userconfig = writeUserConfig(workDir);
  server = await FakeTogether.start();
  server.route('GET /voices', (_req, res) => sendJson(res, 200, voices));
  packed = await buildAndPack(workDir, userconfig);
  consumer = makeConsumerProject(path.join(workDir, 'consumer'));
  // Dependencies (axios, ws, ...) come from the npm cache when it has them.
  await npm(['install', packed.tarball, '--prefer-offline'], consumer, userconfig);
});

afterAll(async () => {
  await server?.close();
  removeDir(packed?.packageDir);
  removeDir(workDir);
});

test('the tarball holds only the built package, its README, changelog and licence', () => {
  // Shared chunks and declarations carry a content hash in their names.
  expect([...new Set(packed.files.map((file) => file.replace(/^(dist\/(?:chunk|web|api|http-stack))-[\w-]+\./, '$1-*.')))].sort()).toEqual(expectedFiles);
});

test('require() loads the CommonJS build and calls the API, loading axios only for the first request', async () => {
  const result = await runConsumerCall(consumer, 'voices.cjs', server.baseURL, API_KEY);
  expect(result.entry).toBe(path.join(consumer, 'node_modules', PACKAGE_NAME, 'dist', 'index.cjs'));
  expect(result).toMatchObject({ axiosAtStart: false, axiosAfterCall: true });
  expect(result.audioApi).toBe('function');
  expect(result.data).toEqual(voices);
  expect(server.requests.at(-1)?.headers.authorization).toBe(`Bearer ${API_KEY}`);
});

test('import loads the ESM build and calls the API, loading axios only for the first request', async () => {
  const result = await runConsumerCall(consumer, 'voices.mjs', server.baseURL, API_KEY);
  expect(result.entry).toBe(`file://${path.join(consumer, 'node_modules', PACKAGE_NAME, 'dist', 'index.mjs')}`);
  expect(result).toMatchObject({ axiosAtStart: false, axiosAfterCall: true });
  expect(result.audioApi).toBe('function');
  expect(result.data).toEqual(voices);
  expect(server.requests.at(-1)?.headers.authorization).toBe(`Bearer ${API_KEY}`);
});

test("npx runs the package's together-audio executable, which calls the API with the key from the environment", async () => {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TOGETHER_API_KEY: API_KEY };
  const { stdout } = await run('npx', ['--no-install', PACKAGE_NAME, 'voices', '--json', '--base-url', server.baseURL], { cwd: consumer, env });
  expect(JSON.parse(stdout)).toEqual(voices);
  expect(server.requests.at(-1)?.headers.authorization).toBe(`Bearer ${API_KEY}`);
  const version = await run('npx', ['--no-install', 'together-audio', '--version'], { cwd: consumer, env });
  expect(version.stdout.trim()).toBe(packageVersion);
});

test('TypeScript consumers type-check against the published declarations, from CommonJS and ESM', async () => {
  await expect(typeCheckConsumer(consumer)).resolves.toBeDefined();
});

test('TypeScript consumers on the node10 module resolution find the types of every entry: the root, /node, /web and /api', async () => {
  await expect(typeCheckConsumer(consumer, 'tsconfig.node10.json')).resolves.toBeDefined();
});
