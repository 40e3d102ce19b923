import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { FakeTogether, parseMultipart, sendJson } from './support/fake-together';

const MB = 1024 * 1024;
const UPLOAD_SIZE = 64 * MB;
/** Half the upload: a client that held the file, or a copy of the body, would exceed it (a streaming one grows by ~10 MB). */
const MAX_RSS_GROWTH = 32 * MB;

let server: FakeTogether;
let dir: string;
let bigPath: string;
let bigSha256: string;
let childScript: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  server = await FakeTogether.start();
  dir = mkdtempSync(path.join(tmpdir(), 'together-upload-memory-'));

  bigPath = path.join(dir, 'long-meeting.wav');
  const hash = createHash('sha256');
  const fd = openSync(bigPath, 'w');
  for (let written = 0; written < UPLOAD_SIZE; written += MB) {
    const chunk = randomBytes(MB);
    hash.update(chunk);
    writeSync(fd, chunk);
  }
  closeSync(fd);
  bigSha256 = hash.digest('hex');
  writeFileSync(path.join(dir, 'warm-up.wav'), randomBytes(1024));

  childScript = path.join(dir, 'upload-memory-child.js');
  buildSync({
    entryPoints: [path.join(__dirname, 'support', 'upload-memory-child.ts')],
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    outfile: childScript,
    logLevel: 'silent',
  });
});
afterAll(async () => {
  for (const child of children) child.kill();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function runChild(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', childScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

it('uploads a 64 MB file by path and as a stream with bounded memory, every byte intact', async () => {
  const received: Array<{ endpoint: string; size: number; sha256: string; filename: string }> = [];
  for (const endpoint of ['transcriptions', 'translations'] as const) {
    server.route(`POST /audio/${endpoint}`, async (req, res) => {
      const { files } = await parseMultipart(req, 0);
      received.push({ endpoint, size: files[0].size, sha256: files[0].sha256, filename: files[0].filename });
      sendJson(res, 200, { text: `${files[0].size}` });
    });
  }

  const { code, stdout, stderr } = await runChild([server.baseURL, path.join(dir, 'warm-up.wav'), bigPath]);

  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  const report = JSON.parse(stdout) as { baseline: number; peak: number; results: string[] };
  expect(report.results).toEqual([String(UPLOAD_SIZE), String(UPLOAD_SIZE)]);
  const big = received.filter((upload) => upload.size === UPLOAD_SIZE);
  expect(big).toEqual([
    { endpoint: 'transcriptions', size: UPLOAD_SIZE, sha256: bigSha256, filename: 'long-meeting.wav' },
    { endpoint: 'translations', size: UPLOAD_SIZE, sha256: bigSha256, filename: 'long-meeting.wav' },
  ]);
  const growth = report.peak - report.baseline;
  expect(growth).toBeLessThan(MAX_RSS_GROWTH);
});
