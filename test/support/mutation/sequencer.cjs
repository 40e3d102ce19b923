// testSequencer of jest.mutation.config.js: in a mutant run, keeps only the test files that hold a
// test the name pattern selects (see test-index.cjs). Without an index, or outside a mutant run,
// every file is kept.
const { existsSync, readFileSync } = require('node:fs');
const Sequencer = require('@jest/test-sequencer').default;
const { ACTIVE_MUTANT, INDEX_FILE } = require('./test-index.cjs');

/** The test index, read once per test runner process: it is complete before the first mutant run. */
let index;
function testIndex() {
  if (index === undefined && existsSync(INDEX_FILE)) {
    index = readFileSync(INDEX_FILE, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line));
  }
  return index;
}

module.exports = class MutantTestFiles extends Sequencer {
  constructor(options) {
    super(options);
    this.pattern = options.globalConfig.testNamePattern;
  }

  async sort(tests) {
    const sorted = await super.sort(tests);
    const entries = process.env[ACTIVE_MUTANT] === undefined || !this.pattern ? undefined : testIndex();
    if (entries === undefined) return sorted;
    // Jest matches the pattern case-insensitively against each test's full name.
    const pattern = new RegExp(this.pattern, 'i');
    const wanted = new Set(entries.filter(({ names }) => names.some((name) => pattern.test(name))).map(({ file }) => file));
    return sorted.filter((test) => wanted.has(test.path));
  }
};
