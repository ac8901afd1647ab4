import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { dropTestSchema } from '../../testing/dialects.js';
import { openDatabase } from './database.js';
import { migrationNames } from './migrate.js';

const url = process.env.BERTH_TEST_PG_URL;

describe('migrations on PostgreSQL', () => {
  it(
    'instances starting together on a fresh database migrate one after the other, and all start',
    { skip: url ? false : 'BERTH_TEST_PG_URL is unset' },
    async () => {
      const schema = `berth_test_${process.pid}_${randomBytes(4).toString('hex')}`;
      const opened = await Promise.allSettled(Array.from({ length: 6 }, () => openDatabase({ url: url!, schema, poolSize: 2 })));
      try {
        for (const result of opened) assert.equal(result.status, 'fulfilled', result.status === 'rejected' ? String(result.reason) : '');
        const database = (opened[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof openDatabase>>>).value;
        const applied = await database.db
          .selectFrom('kysely_migration' as never)
          .select('name' as never)
          .orderBy('name' as never)
          .execute();
        // Each migration applied exactly once, all of them.
        assert.deepEqual(
          applied.map((row) => (row as { name: string }).name),
          migrationNames(),
        );
        // And the schema they build is whole: every instance reads and writes it.
        for (const result of opened) {
          if (result.status !== 'fulfilled') continue;
          const rows = await result.value.db.selectFrom('projects').select('id').execute();
          assert.equal(rows.length, 0);
        }
      } finally {
        for (const result of opened) if (result.status === 'fulfilled') await result.value.close();
        await dropTestSchema(url!, schema);
      }
    },
  );
});
