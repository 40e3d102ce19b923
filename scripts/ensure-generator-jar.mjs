// Makes sure the pinned generator jar is in the wrapper's storageDir. The wrapper downloads it
// itself; if that download fails, Maven fetches the same artifact from Maven Central.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';

export function ensureGeneratorJar(root) {
  const { version, storageDir } = JSON.parse(readFileSync(path.join(root, 'openapitools.json'), 'utf8'))['generator-cli'];
  const dir = path.resolve(root, storageDir);
  const jar = path.join(dir, `${version}.jar`);
  if (existsSync(jar)) return;
  try {
    execFileSync('npx', ['--no-install', 'openapi-generator-cli', 'version'], { cwd: root, stdio: 'ignore' });
  } catch {
    // fall through to Maven below
  }
  if (existsSync(jar)) return;
  execFileSync('mvn', ['-q', 'dependency:copy', `-Dartifact=org.openapitools:openapi-generator-cli:${version}`, `-DoutputDirectory=${dir}`], {
    stdio: 'inherit',
  });
  renameSync(path.join(dir, `openapi-generator-cli-${version}.jar`), jar);
}
