// The page's script: the package as a browser bundle resolves it (export conditions "browser",
// "import"), and the contract, whose results the driver reads from the page.
import * as api from '@together-audio/client';
import { runContract } from './contract.mjs';

globalThis.__contract = runContract(api, globalThis.__baseURL, 'chromium', {
  dangerouslyAllowBrowser: true,
});
