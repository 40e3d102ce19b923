// testEnvironment of jest.mutation.config.js: Node's environment, plus two things Stryker's jest
// runner does not do, both of which leave every mutant's result as it would be without them.
// - In the initial run, each test's full name is appended to the test index (test-index.cjs).
// - In a mutant run, once a test has failed, the mutant is killed: the tests after it in this
//   process are skipped instead of run, with their hooks (jest's own `bail` counts files, and
//   Stryker turns it off).
const { appendFileSync } = require('node:fs');
const { TestEnvironment } = require('jest-environment-node');
const { ACTIVE_MUTANT, INDEX_FILE } = require('./test-index.cjs');

/** The mutant a failed test has already killed in this test runner process. */
let killed;

/** A test's name as jest's --testNamePattern sees it: its describe blocks' names and its own. */
function fullName(test) {
  const names = [];
  for (let block = test; block.parent; block = block.parent) names.unshift(block.name);
  return names.join(' ');
}

module.exports = class MutationEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
    this.global.__testLoadsHttpStack = 'loads-http-stack' in context.docblockPragmas;
    this.names = [];
  }

  handleTestEvent(event) {
    const mutant = process.env[ACTIVE_MUTANT];
    if (mutant === undefined) {
      if (event.name === 'test_done') this.names.push(fullName(event.test));
      if (event.name === 'run_finish') appendFileSync(INDEX_FILE, `${JSON.stringify({ file: this.testPath, names: this.names })}\n`);
      return;
    }
    if (killed !== mutant) {
      if (event.name === 'test_done' && event.test.errors.length > 0) killed = mutant;
      return;
    }
    // Skipped from a describe block's start, its tests also skip its beforeAll and afterAll hooks
    // (servers started for nothing): jest-circus runs hooks only for blocks with a test to run.
    if (event.name === 'run_describe_start') skipAll(event.describeBlock);
    if (event.name === 'test_start') event.test.mode = 'skip';
  }
};

function skipAll(block) {
  for (const child of block.children) {
    if (child.type === 'describeBlock') skipAll(child);
    else child.mode = 'skip';
  }
}
