// The fast groups of the suite, for mutation testing: the toolchain tests (packaging, registry,
// regeneration, Prism, runtimes, load) exercise tools rather than src/ and would only slow it down.
const base = require('./jest.config.js');

module.exports = {
  ...base,
  testPathIgnorePatterns: ['/node_modules/', 'packaging', 'registry', 'regeneration', 'spec-update', 'spec\\.test', 'contract', 'load', 'upload-memory', 'realtime-examples', 'runtimes'],
};
