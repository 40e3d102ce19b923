import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { machineLine } from './machine.mjs';

const ROOT = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');
const DOC = path.join(ROOT, 'docs', 'benchmarks.md');
const README = path.join(ROOT, 'README.md');
const SECTION_START = '<!-- section: benchmarks -->';
const SECTION_END = '<!-- /section: benchmarks -->';
const HOW_TO_RUN = 'Run `npm run bench` (builds the package, then about 2–4 minutes; `BENCH_*` variables in `bench/config.mjs` shrink it).';

function methodNotes(config, apis) {
  return [
    `- Every client talks to one local server on 127.0.0.1 (in the bench process); each client runs each case in its own forked Node process, so no client inherits another's JIT state, sockets or heap.`,
    `- Keep-alive everywhere: raw node:http and plain axios get an \`http.Agent({ keepAlive: true })\`; together-ai uses Node's fetch, whose pool keeps connections alive; this package uses its own client as shipped.`,
    `- GET /voices: ${config.voicesWarmup} warm-up calls, then ${config.voicesCalls} sequential calls (p50), then ${config.voicesCalls} calls ${config.concurrency} at a time (throughput).`,
    `- Downloads and SSE: one warm-up run, then the median of the timed runs. SSE chunks carry ${config.sseChunkBytes} bytes of PCM each; time to first chunk is from the call to the first decoded PCM chunk.`,
    `- Memory cases (stream to file, upload) run once in a fresh process that samples \`process.memoryUsage().rss\` every ${config.memorySampleMs} ms; the figure is the peak over the RSS measured (after a GC) just before the call.`,
    `- The upload is a deterministic ${config.uploadBytes / 1024 ** 2} MB file sent as multipart; the server counts and discards it and the bench checks the count. Downloads are checked for their length and SSE for its chunk count and sizes.`,
    `- Ratios are to raw node:http (lower is better except throughput). "n/a" marks an operation a client does not offer.`,
    `- APIs used: ${apis.join('; ')}.`,
  ].join('\n');
}

export async function writeBenchmarksDoc({ markdownTable, machine, config, apis, failures }) {
  const failureNotes = failures.length ? `\n\nFailures in this run:\n\n${failures.map((line) => `- ${line}`).join('\n')}` : '';
  const text = `# Benchmarks\n\n${HOW_TO_RUN}\n\nRun on ${machine.date} — ${machineLine(machine)}.\n\n${markdownTable}${failureNotes}\n\n## Method\n\n${methodNotes(config, apis)}\n`;
  await mkdir(path.dirname(DOC), { recursive: true });
  await writeFile(DOC, text);
  return DOC;
}

/** Replaces only the README's benchmarks section, re-reading the file right before writing. */
export async function updateReadmeSection({ markdownTable, machine }) {
  const readme = await readFile(README, 'utf8');
  const start = readme.indexOf(SECTION_START);
  const end = readme.indexOf(SECTION_END);
  if (start === -1 || end < start) throw new Error(`README.md has no ${SECTION_START} … ${SECTION_END} section`);
  const section = `${SECTION_START}\n## Benchmarks\n\n${HOW_TO_RUN} Results from ${machine.date} on ${machineLine(machine)} (details and method in [docs/benchmarks.md](docs/benchmarks.md)):\n\n${markdownTable}\n`;
  await writeFile(README, readme.slice(0, start) + section + readme.slice(end));
  return README;
}
