// Runs the realtime measurements of one client in a fresh process (see realtime.mjs).
import { median } from './stats.mjs';
import { REALTIME_CLIENTS } from './realtime-clients.mjs';

process.once('message', async ({ clientKey, baseURL, config }) => {
  const { client } = REALTIME_CLIENTS[clientKey];
  let report;
  try {
    const session = await client.ttsSession(baseURL);
    for (let i = 0; i < config.realtimeWarmup; i++) await session.turn(config.realtimeDeltas);
    const turns = [];
    for (let i = 0; i < config.realtimeTurns; i++) turns.push(await session.turn(config.realtimeDeltas));
    const endOfTurnMs = await session.endOfTurn(config.realtimeDeltas);
    await session.close();
    const audio = Buffer.alloc(config.realtimeSttBytes, 3);
    await client.sttAppend(baseURL, audio.subarray(0, 320000)); // warm-up
    const stt = await client.sttAppend(baseURL, audio);
    if (stt.bytes !== audio.length) throw new Error(`the server counted ${stt.bytes} of ${audio.length} appended bytes`);
    report = {
      ok: true,
      result: {
        firstDeltaMs: median(turns.map((t) => t.firstMs)),
        perDeltaUs: median(turns.map((t) => ((t.lastMs - t.firstMs) / (config.realtimeDeltas - 1)) * 1000)),
        endOfTurnMs,
        sttMBps: audio.length / 1024 ** 2 / (stt.ms / 1000),
      },
    };
  } catch (error) {
    report = { ok: false, error: error?.stack ?? String(error) };
  }
  process.send(report, () => process.exit(0));
});
