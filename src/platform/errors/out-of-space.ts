import { causes } from './causes.js';
import { StorageFullError } from './domain.js';

/**
 * What each engine says when its disk is full, in words a client may read: the file system
 * (ENOSPC, or EDQUOT for a quota), SQLite (SQLITE_FULL) and PostgreSQL (class 53100, disk_full).
 */
const OUT_OF_SPACE: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  SQLITE_FULL: 'the database has no room to grow',
  '53100': "the database server's disk is full",
};

/**
 * The storage-full domain error an engine's out-of-space error stands for, or undefined for any
 * other error. Looks through `cause` too, where a wrapper keeps the original.
 */
export function asStorageFull(err: unknown): StorageFullError | undefined {
  for (const current of causes(err)) {
    if (current instanceof StorageFullError) return current;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && Object.hasOwn(OUT_OF_SPACE, code)) return new StorageFullError(OUT_OF_SPACE[code]!);
  }
  return undefined;
}
