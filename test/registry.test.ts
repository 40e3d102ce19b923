import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FakeTogether, sendJson } from './support/fake-together';
import { LocalRegistry } from './support/local-registry';
import {
  buildAndPack,
  makeConsumerProject,
  makeTempDir,
  npm,
  PACKAGE_NAME,
  removeDir,
  runConsumerCall,
  writeUserConfig,
  type PackedPackage,
} from './support/package-consumer';

jest.setTimeout(120_000);

const SCOPE = '@together-audio';
const version = (JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
const voices = { data: [{ model: 'hexgrad/Kokoro-82M', voices: [{ id: 'af_bella', name: 'af_bella' }] }] };

let workDir: string;
let registry: LocalRegistry;
let server: FakeTogether;
let packed: PackedPackage;
let publisherToken: string;

beforeAll(async () => {
  workDir = makeTempDir('together-audio-registry-');
  server = await FakeTogether.start();
  server.route('GET /voices', (_req, res) => sendJson(res, 200, voices));
  // Settle both before failing, so afterAll can stop whichever one started.
  const [started, built] = await Promise.allSettled([LocalRegistry.start(path.join(workDir, 'verdaccio')), buildAndPack(workDir, writeUserConfig(workDir))]);
  if (started.status === 'fulfilled') registry = started.value;
  if (built.status === 'fulfilled') packed = built.value;
  for (const result of [started, built]) if (result.status === 'rejected') throw result.reason;
  publisherToken = await registry.addUser('release-bot', 'release-bot-password');
});

function makeDir(name: string): string {
  const dir = path.join(workDir, name);
  mkdirSync(dir);
  return dir;
}

afterAll(async () => {
  await registry?.stop();
  await server?.close();
  removeDir(packed?.packageDir);
  removeDir(workDir);
});

test('without a scope mapping, publishConfig sends a publish to the placeholder registry, never the public one', async () => {
  const noMapping = writeUserConfig(makeDir('no-mapping'));
  // --offline: the dry run names its target without trying to reach it.
  const { stdout, stderr } = await npm(['publish', '--dry-run', '--offline', '--ignore-scripts', '--loglevel', 'notice'], packed.packageDir, noMapping);
  expect(`${stdout}${stderr}`).toMatch(/Publishing to https:\/\/npm\.example\.com\/ with tag latest and restricted access \(dry-run\)/);
});

test('the scope mapping in .npmrc publishes to the company registry', async () => {
  const userconfig = writeUserConfig(makeDir('publisher'), registry.npmrcLines(SCOPE, publisherToken));
  // --ignore-scripts: prepublishOnly runs the test suite, which is what is running this test.
  await npm(['publish', '--ignore-scripts'], packed.packageDir, userconfig);

  const { status, body } = await registry.packument(PACKAGE_NAME, publisherToken);
  expect(status).toBe(200);
  expect(body['dist-tags']).toEqual({ latest: version });
});

test('a consumer with the scope mapping and a token installs it from the registry and calls the API', async () => {
  const readerToken = await registry.addUser('developer', 'developer-password');
  const consumer = makeConsumerProject(path.join(workDir, 'consumer'));
  const userconfig = writeUserConfig(consumer, registry.npmrcLines(SCOPE, readerToken));
  // Only the scope goes to the local registry; axios, ws, ... come from the npm cache or registry.
  await npm(['install', `${PACKAGE_NAME}@${version}`, '--prefer-offline'], consumer, userconfig);

  const lock = JSON.parse(readFileSync(path.join(consumer, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { resolved?: string; version?: string }>;
  };
  const installed = lock.packages[`node_modules/${PACKAGE_NAME}`];
  expect(installed.version).toBe(version);
  expect(installed.resolved).toBe(`${registry.url}${PACKAGE_NAME}/-/client-${version}.tgz`);

  for (const script of ['voices.cjs', 'voices.mjs'] as const) {
    const result = await runConsumerCall(consumer, script, server.baseURL, 'registry-test-key');
    expect(result.data).toEqual(voices);
    expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer registry-test-key');
  }
});

test('without a token the registry refuses to serve the package', async () => {
  const anonymous = makeConsumerProject(path.join(workDir, 'anonymous'));
  const userconfig = writeUserConfig(anonymous, [`${SCOPE}:registry=${registry.url}`]);
  await expect(npm(['view', PACKAGE_NAME, 'version'], anonymous, userconfig)).rejects.toThrow(/E401|E403|authenticat/i);
});
