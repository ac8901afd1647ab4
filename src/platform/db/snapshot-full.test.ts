import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dropTestSchema } from '../../testing/dialects.js';
import { openDatabase, type Database } from './database.js';
import { snapshotDatabase } from './snapshot.js';

const url = process.env.BERTH_TEST_PG_URL;

describe('a PostgreSQL snapshot written to a full disk', { skip: url ? false : 'BERTH_TEST_PG_URL is unset' }, () => {
  const schema = `berth_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'berth-snapshot-'));
  let database: Database;
  before(async () => {
    database = await openDatabase({ url: url!, schema, poolSize: 1 });
  });
  after(async () => {
    await database.close();
    await dropTestSchema(url!, schema);
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails with the disk’s error, and the command that asked goes on to report it', { timeout: 30_000 }, async () => {
    // A table small enough to fit the stream's buffer: its failed write surfaces while nothing
    // waits on the stream, during the next statement.
    symlinkSync('/dev/full', join(dir, 'kysely_migration.ndjson'));
    await assert.rejects(snapshotDatabase({ url: url!, schema }, dir, { database: () => undefined }), (err: NodeJS.ErrnoException) => err.code === 'ENOSPC');
  });
});
