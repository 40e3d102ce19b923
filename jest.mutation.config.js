// The fast groups of the suite, for mutation testing: the toolchain group (packaging, registry,
// regeneration, Prism, runtimes) exercises tools rather than src/ and would only slow it down, and
// so would the load and memory tests and the realtime examples.
const base = /** @type {any} */ (require('./jest.config.js'));

const slow = ['load', 'upload-memory', 'realtime-examples'].map((name) => `/test/${name}\\.test\\.ts$`);

module.exports = {
  ...base,
  projects: base.projects
    .filter((project) => project.displayName !== 'toolchain')
    .map((project) => ({ ...project, testPathIgnorePatterns: [...project.testPathIgnorePatterns, ...slow] })),
};
