import { lstat, rm } from 'node:fs/promises';

/**
 * Removes what a failed write left at `path`, if it is a regular file. The caller may have named
 * /dev/null, a named pipe or a symlink: those are not a partial file of ours.
 */
export async function removePartialFile(path: string): Promise<void> {
  const stats = await lstat(path).catch(() => undefined);
  if (stats?.isFile()) await rm(path, { force: true });
}
