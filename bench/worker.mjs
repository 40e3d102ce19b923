// A child process that runs one case for one client in a fresh process, so neither JIT state,
// pooled sockets nor heap from another client colours the numbers (and RSS is its own).
import { CASE_METHOD, CASES } from './cases.mjs';
import { CLIENTS } from './clients/index.mjs';

process.once('message', async ({ clientKey, caseName, baseURL, config, paths }) => {
  const client = CLIENTS[clientKey].create(baseURL);
  let report;
  try {
    report =
      typeof client[CASE_METHOD[caseName]] !== 'function'
        ? { ok: true, api: client.api, unsupported: true }
        : { ok: true, api: client.api, result: await CASES[caseName](client, config, paths) };
  } catch (error) {
    report = { ok: false, api: client.api, error: error?.stack ?? String(error) };
  }
  client.close();
  // Exit explicitly: a fetch client's pooled keep-alive sockets would otherwise hold the process open.
  process.send(report, () => process.exit(0));
});
