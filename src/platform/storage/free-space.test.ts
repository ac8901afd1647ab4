import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase, type Database } from '../db/index.js';
import { FilesystemDriver } from './filesystem/driver.js';
import { FreeSpaceGuard } from './free-space.js';

describe('free space that cannot be measured', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-space-'));
  let database: Database | undefined;
  after(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails the check that asked, once, and nothing else (both disks failing together)', async () => {
    database = await openDatabase({ url: join(dir, 'berth.db') });
    // A path under a regular file: statfs fails with ENOTDIR, as it fails with EIO on a dying disk
    // or ESTALE on a stale NFS mount. The database's directory is measured through a path like it.
    const file = join(dir, 'not-a-directory');
    writeFileSync(file, '');
    const storage = new FilesystemDriver({ root: join(file, 'storage'), fsync: false });
    const guard = new FreeSpaceGuard({ storage, database: { ...database, file: join(file, 'db', 'berth.db') }, minFreeBytes: 1 });
    await assert.rejects(guard.assertRoom(), /ENOTDIR/);
    // A second measurement left running would surface here as an unhandled rejection.
    await sleep(100);
  });
});
