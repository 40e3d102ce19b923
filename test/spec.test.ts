import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..');

describe('openapi.yaml', () => {
  it('passes redocly lint with no errors or warnings', () => {
    const output = execFileSync('npx', ['--no-install', 'redocly', 'lint', 'openapi.yaml', '--format=json'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const report = JSON.parse(output.slice(output.indexOf('{'))) as { totals: { errors: number; warnings: number } };
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });
});
