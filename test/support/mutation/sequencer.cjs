// testSequencer of jest.mutation.config.js: in a mutant run, keeps only the test files that hold a
// test the name pattern selects (see test-index.cjs). Without an index, or outside a mutant run,
// every file is kept.
const { existsSync, readFileSync } = require('node:fs');
const Sequencer = require('@jest/test-sequencer').default;
const { ACTIVE_MUTANT, indexFile } = require('./test-index.cjs');

module.exports = class MutantTestFiles extends Sequencer {
  constructor(options) {
    super(options);
    this.pattern = options.globalConfig.testNamePattern;
  }

  async sort(tests) {
    const sorted = await super.sort(tests);
    if (process.env[ACTIVE_MUTANT] === undefined || !this.pattern || !existsSync(indexFile())) return sorted;
    // Jest matches the pattern case-insensitively against each test's full name.
    const pattern = new RegExp(this.pattern, 'i');
    const wanted = new Set();
    for (const line of readFileSync(indexFile(), 'utf8').split('\n')) {
      if (!line) continue;
      const { file, names } = JSON.parse(line);
      if (names.some((name) => pattern.test(name))) wanted.add(file);
    }
    return sorted.filter((test) => wanted.has(test.path));
  }
};
