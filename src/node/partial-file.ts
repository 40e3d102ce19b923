import { lstat, unlink } from 'node:fs/promises';

/**
 * Removes what a failed write left at `path`, if it is a regular file. The caller may have named
 * /dev/null, a named pipe or a symlink: those are not a partial file of ours. Removal is best effort:
 * every caller is on its way to rethrowing the error that left the file partial, and a failed
 * unlink must not take that error's place.
 */
export async function removePartialFile(path: string): Promise<void> {
  const stats = await lstat(path).catch(() => undefined);
  if (stats?.isFile()) await unlink(path).catch(() => undefined);
}
