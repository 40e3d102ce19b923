// The runtime matrix: builds the package, starts the contract API on 127.0.0.1, and runs the same
// contract (contract.mjs) in Node 20 (this node), Node 22 and 24, Bun, Deno, headless Chromium and
// Cloudflare's workerd. A runtime that cannot start, or does not report, fails the run: nothing is
// skipped. Prints one line per case and ends with "N passed, N failed"; exits 1 on any failure.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { bundleApp } from '../../scripts/bundle-app.mjs';
import { startContractServer } from './contract-server.mjs';
import { CASE_NAMES } from './contract.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const bin = (...parts) => path.join(repo, 'node_modules', ...parts);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RUNTIME_TIMEOUT_MS = 120_000;

const work = mkdtempSync(path.join(tmpdir(), 'together-audio-runtimes-'));
const servers = [];

async function main() {
  await promisify(execFile)('npm', ['run', '--silent', 'build'], { cwd: repo });
  const entry = pathToFileURL(path.join(repo, 'dist', 'index.mjs')).href;
  const [browserBundle, workerBundle] = await Promise.all([
    bundleApp(path.join(here, 'browser-entry.mjs'), { conditions: ['browser'] }),
    bundleApp(path.join(here, 'worker-entry.mjs'), { conditions: ['workerd', 'worker', 'browser'] }),
  ]);
  const api = await startContractServer();
  servers.push(api);
  const page = await startContractServer({
    'GET /': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><script>globalThis.__baseURL = ${JSON.stringify(api.baseURL)};</script><script type="module" src="/bundle.js"></script>`);
    },
    'GET /bundle.js': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(browserBundle);
    },
  });
  servers.push(page);

  const inProcess = (name, command, args, expectVersion) => ({
    name,
    expectVersion,
    run: () => report(command, [...args, path.join(here, 'in-process.mjs'), entry, api.baseURL, name]),
  });
  const runtimes = [
    inProcess('node20', process.execPath, [], /^node v20\./),
    inProcess('node22', bin('node22', 'bin', 'node'), [], /^node v22\./),
    inProcess('node24', bin('node24', 'bin', 'node'), [], /^node v24\./),
    inProcess('bun', bin('.bin', 'bun'), [], /^bun /),
    inProcess('deno', bin('.bin', 'deno'), ['run', '--quiet', '--allow-net=127.0.0.1', '--allow-read', '--allow-env', '--allow-sys'], /^deno /),
    { name: 'chromium', run: () => inChromium(page.origin) },
    { name: 'workerd', run: () => inWorkerd(workerBundle, api.baseURL) },
  ];

  let passed = 0;
  let failed = 0;
  for (const runtime of runtimes) {
    const started = Date.now();
    let outcome;
    try {
      outcome = await withTimeout(runtime.run(), RUNTIME_TIMEOUT_MS, `${runtime.name} did not report within ${RUNTIME_TIMEOUT_MS / 1000} s`);
      if (runtime.expectVersion && !runtime.expectVersion.test(outcome.version ?? '')) {
        throw new Error(`expected ${runtime.expectVersion}, but the runtime reported ${outcome.version}`);
      }
    } catch (error) {
      failed++;
      console.log(`FAIL ${runtime.name}: the runtime did not run the contract: ${error.message}`);
      continue;
    }
    const names = outcome.results.map((result) => result.name);
    if (JSON.stringify(names) !== JSON.stringify(CASE_NAMES) && outcome.results.every((result) => result.ok)) {
      outcome.results.push({ name: 'every case ran', ok: false, error: `ran ${names.join(', ')}` });
    }
    for (const result of outcome.results) {
      if (result.ok) passed++;
      else failed++;
      console.log(
        `${result.ok ? 'ok  ' : 'FAIL'} ${runtime.name}${outcome.version ? ` (${outcome.version})` : ''}: ${result.name}${result.ok ? '' : `: ${result.error}`}`,
      );
    }
    console.log(`     ${runtime.name} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  console.log(`runtimes: ${passed} passed, ${failed} failed`);
  return failed === 0;
}

/** Runs a command that prints the contract's JSON report as its last line. */
function report(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', (error) => reject(new Error(`${path.basename(command)} could not start: ${error.message}`)));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUNTIME_TIMEOUT_MS);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout
        .trim()
        .split('\n')
        .filter((text) => text.startsWith('{'))
        .pop();
      if (code === 0 && line) return resolve(JSON.parse(line));
      reject(new Error(`exited with ${signal ?? code}${line ? '' : ' without a report'}: ${tail(stderr || stdout)}`));
    });
  });
}

async function inChromium(origin) {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium package)`);
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on('pageerror', (error) => problems.push(/** @type {Error} */ (error).message));
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    await page.goto(`${origin}/`);
    await page
      .waitForFunction(() => globalThis.__contract !== undefined, { timeout: 30_000 })
      .catch(() => {
        throw new Error(`the page never started the contract: ${problems.join('; ') || 'no error reported'}`);
      });
    const outcome = await page.evaluate(() => globalThis.__contract);
    return { ...outcome, version: await browser.version() };
  } finally {
    await browser.close();
  }
}

async function inWorkerd(workerBundle, baseURL) {
  const dir = path.join(work, 'workerd');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'worker.mjs'), workerBundle);
  const port = await freePort();
  writeFileSync(
    path.join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    # Outbound fetches may reach this machine's loopback, where the contract server listens.
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [(name = "worker", esModule = embed "worker.mjs")],
  compatibilityDate = "2025-06-01",
  bindings = [(name = "BASE_URL", text = ${JSON.stringify(baseURL)})],
);
`,
  );
  const child = spawn(bin('.bin', 'workerd'), ['serve', path.join(dir, 'config.capnp')], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((_, reject) => {
    child.once('error', (error) => reject(new Error(`workerd could not start: ${error.message}`)));
    child.once('exit', (code, signal) => reject(new Error(`workerd exited with ${signal ?? code}: ${tail(output)}`)));
  });
  exited.catch(() => undefined);
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const response = await Promise.race([fetch(`http://127.0.0.1:${port}/`).catch(() => undefined), exited]);
      if (response) {
        const text = await response.text();
        if (!response.ok) throw new Error(`the worker answered ${response.status}: ${tail(text)} ${tail(output)}`);
        const version = (await promisify(execFile)(bin('.bin', 'workerd'), ['--version'])).stdout.trim();
        return { ...JSON.parse(text), version };
      }
      if (Date.now() > deadline) throw new Error(`workerd did not listen within 30 s: ${tail(output)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    child.kill('SIGKILL');
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (probe.address());
      probe.close(() => resolve(port));
    });
  });
}

function withTimeout(promise, ms, message) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}

function tail(text) {
  const trimmed = text.trim();
  return trimmed.length > 1500 ? `…${trimmed.slice(-1500)}` : trimmed;
}

let ok = false;
try {
  ok = await main();
} catch (error) {
  console.log(`FAIL runtime matrix: ${error.stack ?? error}`);
} finally {
  await Promise.all(servers.map((server) => server.close()));
  rmSync(work, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
