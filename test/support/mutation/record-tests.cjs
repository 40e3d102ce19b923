// setupFilesAfterEnv of jest.mutation.config.js: in Stryker's initial run, appends this file's test
// names to the test index (see test-index.cjs).
const { appendFileSync } = require('node:fs');
const { ACTIVE_MUTANT, indexFile } = require('./test-index.cjs');

if (process.env[ACTIVE_MUTANT] === undefined) {
  const names = [];
  afterEach(() => {
    names.push(expect.getState().currentTestName);
  });
  afterAll(() => {
    appendFileSync(indexFile(), `${JSON.stringify({ file: expect.getState().testPath, names })}\n`);
  });
}
