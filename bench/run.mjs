// `npm run bench`: measures the footprint of this package, together-ai and openai, then compares
// this package with raw node:http, plain axios and together-ai against a local server; prints the
// tables and, for a default-sized run, publishes them to docs/benchmarks.md.
import { benchConfig, isDefaultRun } from './config.mjs';
import { CLIENTS } from './clients/index.mjs';
import { footprintTable, measureFootprint } from './footprint.mjs';
import { describeMachine } from './machine.mjs';
import { metricRows } from './metrics.mjs';
import { preparePayloads } from './payloads.mjs';
import { writeBenchmarksDoc } from './publish.mjs';
import { apisUsed, buildTable, failures, missedTargetNotes, renderMarkdown, renderText } from './report.mjs';
import { combineRounds } from './rounds.mjs';
import { realtimeMethod, runRealtimeBench } from './realtime.mjs';
import { runCaseInChild } from './run-case.mjs';
import { startBenchServer } from './server.mjs';

const CASE_ORDER = ['voices', 'download', 'downloadToFile', 'sse', 'upload'];

async function runCase(caseName, clientKey, round, { config, server, payloads }) {
  const started = Date.now();
  const paths = { uploadPath: payloads.uploadPath, outputPath: payloads.outputPath(`${caseName}-${clientKey}`) };
  const connectionsBefore = server.connectionCount();
  const report = await runCaseInChild({ clientKey, caseName, baseURL: server.baseURL, config, paths });
  report.connections = server.connectionCount() - connectionsBefore;
  const summary = report.unsupported
    ? 'n/a (the client has no such call)'
    : report.ok
      ? JSON.stringify(report.result, (_, v) => (typeof v === 'number' ? Number(v.toFixed(3)) : v))
      : `FAILED: ${report.error.split('\n')[0]}`;
  console.error(
    `  ${caseName} #${round + 1} / ${CLIENTS[clientKey].label}: ${summary} [${report.connections} connections, ${((Date.now() - started) / 1000).toFixed(1)} s]`,
  );
  return report;
}

async function runAllCases(context) {
  const { config } = context;
  const results = {};
  for (const caseName of CASE_ORDER.filter((name) => !config.onlyCases || config.onlyCases.includes(name))) {
    const rounds = Object.fromEntries(Object.keys(CLIENTS).map((key) => [key, []]));
    for (let round = 0; round < config.rounds; round++) {
      for (const clientKey of Object.keys(CLIENTS)) rounds[clientKey].push(await runCase(caseName, clientKey, round, context));
    }
    results[caseName] = Object.fromEntries(Object.entries(rounds).map(([key, reports]) => [key, combineRounds(reports)]));
  }
  return results;
}

async function main() {
  const config = benchConfig();
  const machine = describeMachine();
  console.error('Measuring the footprint (cold import, browser bundle, dependencies)…');
  const footprint = footprintTable(await measureFootprint({ rounds: config.footprintRounds }));
  console.error('Preparing payloads…');
  const payloads = await preparePayloads(config);
  // Ctrl-C must not leave the payload files behind in the temp dir.
  process.once('SIGINT', () => payloads.cleanup().finally(() => process.exit(130)));
  let results;
  try {
    const server = await startBenchServer({ downloadPath: payloads.downloadPath, ...config });
    try {
      results = await runAllCases({ config, server, payloads });
    } finally {
      await server.close();
    }
  } finally {
    await payloads.cleanup();
  }
  const realtime = !config.onlyCases || config.onlyCases.includes('realtime') ? await runRealtimeBench(config) : undefined;

  const rows = metricRows(config);
  const table = buildTable(results, rows);
  const failed = [...failures(results), ...(realtime?.failures ?? [])];
  const notes = missedTargetNotes(results, rows);
  console.log(`\n${renderText(footprint, machine)}\n`);
  console.log(`${renderText(table, machine)}\n`);
  if (realtime) console.log(`${renderText(realtime, machine)}\n`);
  if (notes.length) console.log(`Targets not met:\n${notes.map((line) => `  ${line}`).join('\n')}\n`);
  if (failed.length) console.log(`Failures:\n${failed.map((line) => `  ${line}`).join('\n')}\n`);

  if (isDefaultRun()) {
    const published = {
      markdownTable: renderMarkdown(table),
      footprintTable: renderMarkdown(footprint),
      machine,
      config,
      apis: apisUsed(results),
      failures: failed,
      notes,
      realtime: realtime && { markdownTable: renderMarkdown(realtime), method: realtimeMethod(config) },
    };
    console.log(`Wrote ${await writeBenchmarksDoc(published)}.`);
  } else {
    console.log('BENCH_* variables are set: not a default-sized run, so docs/benchmarks.md is left alone.');
  }
  if (failed.length) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
