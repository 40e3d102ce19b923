// Run by `npm version` after the bump: fails unless CHANGELOG.md has a section for the new version.
import { readFileSync } from 'node:fs';

const version = process.env.npm_package_version ?? JSON.parse(readFileSync('package.json', 'utf8')).version;
const changelog = readFileSync('CHANGELOG.md', 'utf8');
const heading = new RegExp(`^## \\[${version.replace(/[.+]/g, '\\$&')}\\]`, 'm');
if (!heading.test(changelog)) {
  console.error(`CHANGELOG.md has no "## [${version}]" section: move the Unreleased entries under it, commit, and run npm version again.`);
  process.exitCode = 1;
}
