/**
 * Four groups. The fast ones (unit, http, realtime) run in seconds against local servers; the
 * toolchain group drives npm, the generator, Prism, a local registry and the spec tooling. `http`
 * takes every test file that no other group names, so a new file is never left out. A name may end
 * in `*` (every realtime-… file is in the realtime group).
 * The runtime matrix (test/runtimes/run.mjs) belongs to the toolchain group too; `npm test` runs it.
 */
const groups = {
  unit: ['wav', 'client-config', 'web-entry'],
  realtime: ['realtime-*'],
  toolchain: ['packaging', 'registry', 'regeneration', 'contract', 'spec', 'spec-update'],
};
const files = (names) => names.map((name) => `<rootDir>/test/${name}.test.ts`);
const project = (displayName, testMatch, testPathIgnorePatterns = []) => ({
  displayName,
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch,
  testPathIgnorePatterns,
  // A dynamic import names its module as it is built ('./http-stack.js'); here it is the .ts source.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
});

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  coveragePathIgnorePatterns: ['/node_modules/', '/generated/'],
  projects: [
    ...Object.entries(groups).map(([name, names]) => project(name, files(names))),
    project(
      'http',
      ['<rootDir>/test/**/*.test.ts'],
      Object.values(groups)
        .flat()
        .map((name) => `/test/${name.replace('*', '.*')}\\.test\\.ts$`),
    ),
  ],
};
