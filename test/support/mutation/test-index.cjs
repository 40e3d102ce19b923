// Under Stryker, which test file holds which test. Stryker's jest runner picks a mutant's tests by
// name (--testNamePattern) but still loads every test file, and loading them costs more than
// running the tests. The initial run records each test's file (environment.cjs); each mutant run
// then loads only the files that hold a test the pattern selects (sequencer.cjs). Jest would run
// no test of any other file, so the result is the same.
const path = require('node:path');

/** Stryker names the mutant under test in this variable during mutant runs, never in its initial run. */
const ACTIVE_MUTANT = '__STRYKER_ACTIVE_MUTANT__';

/**
 * In the sandbox's root, the working directory of Stryker's test runners when they load this
 * module. Fixed then: the CLI tests change the working directory while main() runs in-process.
 */
const INDEX_FILE = path.join(process.cwd(), '.stryker-test-index.jsonl');

module.exports = { ACTIVE_MUTANT, INDEX_FILE };
