// setupFiles of jest.mutation.config.js. A client loads src/http-stack.ts (and with it retry.ts,
// transport.ts and axios) on its first request, that is, inside some test. Stryker would then take
// the module-level code of those files (constants, regular expressions) for code that only that
// first test covers, and run only it against their mutants. Loaded here, before any test, that code
// is static, as it is for a user who imports the package. A test file whose docblock says
// `@loads-http-stack` loads it itself (fetch-runtime: with axios's browser build, which it mocks in).
if (!globalThis.__testLoadsHttpStack) require('../../../src/http-stack');
