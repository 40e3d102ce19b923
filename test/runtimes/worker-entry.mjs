// A Cloudflare Worker that runs the contract on each request and answers with its results.
import * as api from '@together-audio/client';
import { runContract } from './contract.mjs';

export default {
  async fetch(_request, env) {
    const report = await runContract(api, env.BASE_URL, 'workerd');
    return new Response(JSON.stringify(report), {
      headers: { 'content-type': 'application/json' },
    });
  },
};
