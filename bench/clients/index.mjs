import { createPlainAxiosClient } from './plain-axios.mjs';
import { createRawHttpClient } from './raw-http.mjs';
import { createThisPackageClient } from './this-package.mjs';
import { createTogetherAiClient } from './together-ai.mjs';

/** The clients under test, in report order; `raw` is the baseline every ratio is taken against. */
export const CLIENTS = {
  raw: { label: 'raw node:http', create: createRawHttpClient },
  package: { label: '@together-audio/client', create: createThisPackageClient },
  axios: { label: 'plain axios', create: createPlainAxiosClient },
  'together-ai': { label: 'together-ai', create: createTogetherAiClient },
};

export const BASELINE = 'raw';
