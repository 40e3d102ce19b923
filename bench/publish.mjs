import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { machineLine } from './machine.mjs';

const ROOT = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');
const DOC = path.join(ROOT, 'docs', 'benchmarks.md');
const HOW_TO_RUN =
  'Run `npm run bench` (builds the package, then takes about 2.5 minutes on 2 cores; `BENCH_*` variables in `bench/config.mjs` shrink it, and such runs leave this page alone).';

function methodNotes(config, apis) {
  return [
    `- Every client talks to one local server on 127.0.0.1 (in the bench process); each client runs each case in its own forked Node process, so no client inherits another's JIT state, sockets or heap.`,
    `- Keep-alive everywhere: raw node:http and plain axios get an \`http.Agent({ keepAlive: true })\`; together-ai uses Node's fetch, whose pool keeps connections alive; this package uses the keep-alive agents its client creates. The TCP connection counts in the table show the reuse.`,
    `- GET /voices: ${config.voicesWarmup} warm-up calls, then ${config.voicesCalls} sequential calls (p50), then ${config.voicesCalls} calls ${config.concurrency} at a time (throughput).`,
    `- Each client runs each case ${config.rounds} times, interleaved with the other clients (round 1 of every client, then round 2, …), to even out drift on a shared machine.`,
    `- Downloads: one warm-up run, then the median of the timed runs. SSE: ${config.sseWarmup} warm-up streams, then the median of ${config.sseRuns} timed ones. SSE chunks carry ${config.sseChunkBytes} bytes of PCM each; time to first chunk is from the call to the first decoded PCM chunk.`,
    `- Memory cases (stream to file, upload) run without warm-up in a fresh process that samples \`process.memoryUsage().rss\` every ${config.memorySampleMs} ms; the figure is the peak over the RSS measured (after a GC) just before the call, worst of the rounds. A cold Node process streaming through node:http alone grows by about 34 MB here: sampled every 2 ms, its ArrayBuffer memory peaks about 32 MB above the start, because dead 64 KB socket and file reads pile up until V8's external-memory pressure triggers a collection, and the allocator keeps the pages (a second, warmed-up run in the same process grows under 1 MB). So the 32 MB target sits at Node's own floor for this measurement; read it against the raw column.`,
    `- The upload is a deterministic ${config.uploadBytes / 1024 ** 2} MB file sent as multipart; the server counts and discards it and the bench checks the count. Downloads are checked for their length and SSE for its chunk count and sizes.`,
    `- Noise: on a 2-core machine shared with other jobs, repeated runs of this bench moved sub-5 ms figures (SSE first chunk) by about ±1 ms and wall times by up to ±25 %, in either direction for any client; ratios near 1 (including those below 1) are within that noise.`,
    `- Ratios are to raw node:http (lower is better except throughput). "n/a" marks an operation a client does not offer.`,
    `- APIs used: ${apis.join('; ')}.`,
  ].join('\n');
}

const bulletList = (title, lines) => (lines.length ? `\n\n${title}\n\n${lines.map((line) => `- ${line}`).join('\n')}` : '');

const FOOTPRINT_NOTES = [
  '- Measured in the same run for the three packages; ratios are this package over the other (lower is smaller or faster).',
  "- Cold import: a fresh Node process per measurement (interleaved across packages), from the first `import()` to a constructed client, median. Node loads this package's CommonJS build through its ES module; axios, axios-retry and the generated API classes load with a client's first request, and `ws` with the first realtime session, so neither is in this figure (the first request pays for axios once).",
  '- Bundle: esbuild, `--bundle --minify --platform=browser`, of an app that calls speech (whole), streamed speech and the voice list (openai has no voice list: its model list stands in). This package resolves to its runtime-neutral entry there.',
  "- Runtime dependencies: every package installed with the package (its dependencies, and theirs). Most of this package's are axios's own (form-data and its helpers, follow-redirects, proxy-from-env).",
].join('\n');

export async function writeBenchmarksDoc({ markdownTable, footprintTable, machine, config, apis, failures, notes, realtime }) {
  const footprint = footprintTable ? `\n\n## Footprint\n\n${footprintTable}\n\n${FOOTPRINT_NOTES}` : '';
  const realtimeSection = realtime ? `\n\n## Realtime\n\n${realtime.markdownTable}` : '';
  const realtimeMethod = realtime ? `\n${realtime.method}` : '';
  const text = `# Benchmarks\n\n${HOW_TO_RUN}\n\nRun on ${machine.date} — ${machineLine(machine)}${machine.commit ? `; package built from commit ${machine.commit}` : ''}.${footprint}\n\n## Throughput and memory\n\n${markdownTable}${realtimeSection}${bulletList('Targets not met:', notes)}${bulletList('Failures in this run:', failures)}\n\n## Method\n\n${methodNotes(config, apis)}${realtimeMethod}\n`;
  await mkdir(path.dirname(DOC), { recursive: true });
  await writeFile(DOC, text);
  return DOC;
}
