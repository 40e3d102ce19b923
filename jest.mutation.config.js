// The fast groups of the suite, for mutation testing: the toolchain group (packaging, registry,
// regeneration, Prism, runtimes) exercises tools rather than src/ and would only slow it down, and
// so would the load and memory tests and the realtime examples. The demo runs the built CLI in a
// child process, whose coverage Stryker cannot see, so it could kill no mutant; the CLI tests run
// main() in this process under Stryker (test/support/cli.ts), except those that need a process.
const path = require('node:path');
const base = /** @type {any} */ (require('./jest.config.js'));

const slow = ['load', 'upload-memory', 'realtime-examples', 'demo'].map((name) => `/test/${name}\\.test\\.ts$`);

const support = (name) => path.join(__dirname, 'test', 'support', 'mutation', name);

module.exports = {
  ...base,
  testSequencer: support('sequencer.cjs'),
  // Stryker's jest runner puts its own environment in every project and wraps the one named here.
  testEnvironment: support('environment.cjs'),
  projects: base.projects
    .filter((project) => project.displayName !== 'toolchain')
    .map((project) => ({
      ...project,
      testPathIgnorePatterns: [...project.testPathIgnorePatterns, ...slow],
      setupFiles: [support('preload.cjs')],
    })),
};
