import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { makeWorkspaceCopy, removeDir } from './support/package-consumer';
import { repoBin, repoRoot, run, tscPath } from './support/processes';

/**
 * Regenerating from Together's own document, in scratch copies of the repository: dropped in as
 * openapi.yaml, taken whole through `spec:update`, and a simulated next revision of it.
 */

jest.setTimeout(240_000);

const reference = (name: string): string => path.resolve(repoRoot, '..', 'shared', 'reference', name);
const copies: string[] = [];
afterAll(() => copies.forEach(removeDir));

async function scratch(): Promise<string> {
  const dir = await makeWorkspaceCopy('together-audio-spec-update-');
  copies.push(dir);
  for (const name of ['test', 'examples', 'jest.config.js', 'tsup.config.ts']) cpSync(path.join(repoRoot, name), path.join(dir, name), { recursive: true });
  return dir;
}

const env = (dir: string) => ({ cwd: dir, env: { ...process.env, PWD: dir } });
const node = (dir: string, args: string[]) => run(process.execPath, args, env(dir));

/** Every generated file with its comments removed, so only code is compared. */
function generatedCode(dir: string): Record<string, string> {
  const root = path.join(dir, 'generated');
  const files = readdirSync(root, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile() && entry.name.endsWith('.ts'));
  return Object.fromEntries(
    files.map((entry) => {
      const file = path.join(entry.parentPath, entry.name);
      const code = readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '')
        .replace(/\s+/g, ' ');
      return [path.relative(root, file), code];
    }),
  );
}

async function typeCheckBuildAndTest(dir: string, tests: string[]): Promise<void> {
  await node(dir, [tscPath, '--noEmit', '-p', dir]);
  await run(repoBin('tsup'), [], env(dir));
  await node(dir, [path.join(repoRoot, 'node_modules', 'jest', 'bin', 'jest.js'), '--rootDir', dir, ...tests]);
}

test("Together's audio document dropped in as openapi.yaml generates the committed code and passes the HTTP and realtime tests", async () => {
  const dir = await scratch();
  cpSync(reference('together-audio-openapi.yaml'), path.join(dir, 'openapi.yaml'));
  await node(dir, ['scripts/generate.mjs']);
  expect(generatedCode(dir)).toEqual(generatedCode(repoRoot));
  await typeCheckBuildAndTest(dir, ['test/http-operations.test.ts', 'test/realtime-tts.test.ts', 'test/generated-standalone.test.ts']);
});

test("Together's whole published document through spec:update reports no change and generates the committed code", async () => {
  const dir = await scratch();
  const { stdout } = await node(dir, ['scripts/spec/update.mjs', reference('together-openapi.yaml')]);
  expect(stdout).toContain('No change to operations, parameters, fields, enums or types.');
  expect(stdout).toContain('Semver: **patch**');
  expect(generatedCode(dir)).toEqual(generatedCode(repoRoot));
  await typeCheckBuildAndTest(dir, ['test/http-operations.test.ts', 'test/realtime-stt.test.ts']);
});

describe('a simulated next revision of the document', () => {
  let dir: string;
  let report: string;

  beforeAll(async () => {
    dir = await scratch();
    const next = parse(readFileSync(reference('together-openapi.yaml'), 'utf8'));
    const schemas = next.components.schemas;
    schemas.AudioSpeechRequest.properties.speaking_rate = { type: 'number', description: 'Speed, 1 being normal.' };
    schemas.AudioSpeechRequest.properties.response_format.enum.push('opus');
    delete schemas.AudioTranscriptionSpeakerSegment.properties.id;
    schemas.AudioTranscriptionSpeakerSegment.required = schemas.AudioTranscriptionSpeakerSegment.required.filter((name: string) => name !== 'id');
    next.paths['/audio/models'] = {
      get: {
        tags: ['Audio'],
        operationId: 'audio-models',
        responses: {
          '200': {
            description: 'OK',
            content: {
              'application/json': { schema: { type: 'object', required: ['data'], properties: { data: { type: 'array', items: { type: 'string' } } } } },
            },
          },
          '400': { description: 'BadRequest', content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorData' } } } },
        },
      },
    };
    writeFileSync(path.join(dir, 'next.yaml'), stringify(next));
    report = (await node(dir, ['scripts/spec/update.mjs', 'next.yaml', '--report', 'report.md'])).stdout;
  });

  test('the report marks the removal breaking, the additions non-breaking, and asks for a major bump', () => {
    const [breaking, rest] = report.split('### non-breaking');
    expect(breaking).toMatch(/### breaking \(\d+\)[\s\S]*\[Removed\] property `id`/);
    expect(breaking).not.toMatch(/speaking_rate|opus|audio\/models/);
    expect(rest).toMatch(/\[Added\] property `speaking_rate`/);
    expect(rest).toMatch(/response_format/);
    expect(rest).toMatch(/\[Added\] operation GET \/audio\/models/);
    expect(report).toContain('Semver: **major**');
    expect(readFileSync(path.join(dir, 'report.md'), 'utf8')).toContain('Semver: **major**');
  });

  test('it regenerates, type-checks and builds; the new operation goes through the client with its key, host, retries and typed errors', async () => {
    // The package's own code, not its tests, which use the field the revision removes.
    writeFileSync(path.join(dir, 'tsconfig.package.json'), JSON.stringify({ extends: './tsconfig.json', include: ['src', 'generated'] }));
    await node(dir, [tscPath, '--noEmit', '-p', path.join(dir, 'tsconfig.package.json')]);
    await run(repoBin('tsup'), [], env(dir));
    // The client's generated classes are internal: the probe reaches them as the facade does, from the sources.
    const probe = `
      import http from 'node:http';
      import { TogetherAudio, BadRequestError } from './src/index';
      import { AudioApi } from './src/api';
      let calls = 0;
      const server = http.createServer((req, res) => {
        calls++;
        const ok = req.headers.authorization === 'Bearer next-revision-key' && req.url === '/v1/audio/models';
        if (!ok) { res.writeHead(418); return res.end(); }
        if (calls === 1) { res.writeHead(503, { 'retry-after': '0' }); return res.end(); }
        if (req.headers['x-fail']) { res.writeHead(400, { 'content-type': 'application/json' }); return res.end(JSON.stringify({ error: { message: 'no such thing', type: 'invalid_request_error' } })); }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: ['model-a'] }));
      }).listen(0, '127.0.0.1', async () => {
        const together = new TogetherAudio({ apiKey: 'next-revision-key', baseURL: 'http://127.0.0.1:' + server.address().port + '/v1' });
        const { data } = await together.api(AudioApi).audioModels();
        const error = await together.api(AudioApi).audioModels({ headers: { 'x-fail': '1' } }).catch((e) => e);
        console.log(JSON.stringify({ data, calls, typed: error instanceof BadRequestError, message: error.message }));
        server.close();
      });`;
    writeFileSync(path.join(dir, 'probe.ts'), probe);
    await run(repoBin('esbuild'), ['probe.ts', '--bundle', '--platform=node', '--packages=external', '--outfile=probe.cjs', '--log-level=warning'], env(dir));
    const { stdout } = await node(dir, ['probe.cjs']);
    expect(JSON.parse(stdout)).toEqual({ data: { data: ['model-a'] }, calls: 3, typed: true, message: expect.stringContaining('no such thing') });
  });
});
