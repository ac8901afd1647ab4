import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../platform/config/load.js';
import { enqueue } from '../platform/jobs/index.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { purgeExpired } from './jobs.js';

const DAY = 86_400_000;

describe('housekeeping configuration', () => {
  it('keeps events 7 days and finished executions 30 days unless told otherwise', () => {
    assert.deepEqual(parseConfig({}).housekeeping, { eventsDays: 7, executionsDays: 30 });
    assert.deepEqual(parseConfig({ housekeeping: { eventsDays: 2, executionsDays: 3 } }).housekeeping, { eventsDays: 2, executionsDays: 3 });
    assert.throws(() => parseConfig({ housekeeping: { eventsDays: 0 } }));
  });
});

for (const dialect of testDialects()) {
  describe(`housekeeping (${dialect.name})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer(dialect);
    });
    after(async () => server.close());

    it('deletes dispatched events and finished executions past their retention, with their tasks and logs', async () => {
      const { db } = server.database;
      const now = Date.now();
      const event = (tag: string, created_at: number, dispatched: number) => ({
        type: 'PUSH_ARTIFACT',
        project_id: null,
        repository: 'x/y',
        digest: null,
        tag,
        operator: 'seed',
        created_at,
        dispatched,
      });
      // Enough old rows to need several batches.
      const oldDispatched = Array.from({ length: 2100 }, (_, i) => event(`old-${i}`, now - 8 * DAY, 1));
      for (let i = 0; i < oldDispatched.length; i += 500)
        await db
          .insertInto('events')
          .values(oldDispatched.slice(i, i + 500))
          .execute();
      await db
        .insertInto('events')
        .values([event('old-pending', now - 8 * DAY, 0), event('recent', now - 6 * DAY, 1)])
        .execute();

      const finishedOld = await db
        .transaction()
        .execute((trx) => enqueue(trx, { vendorType: 'TEST', trigger: 'MANUAL', tasks: [{ kind: 'noop' }] }, now - 40 * DAY));
      const unfinishedOld = await db
        .transaction()
        .execute((trx) => enqueue(trx, { vendorType: 'TEST', trigger: 'MANUAL', tasks: [{ kind: 'noop' }] }, now - 40 * DAY));
      const finishedRecent = await db
        .transaction()
        .execute((trx) => enqueue(trx, { vendorType: 'TEST', trigger: 'MANUAL', tasks: [{ kind: 'noop' }] }, now - 20 * DAY));
      await db
        .updateTable('executions')
        .set({ status: 'Success', end_time: now - 31 * DAY })
        .where('id', '=', finishedOld)
        .execute();
      await db
        .updateTable('executions')
        .set({ status: 'Error', end_time: now - 20 * DAY })
        .where('id', '=', finishedRecent)
        .execute();
      const oldTask = await db.selectFrom('tasks').select('id').where('execution_id', '=', finishedOld).executeTakeFirstOrThrow();
      await db
        .insertInto('task_logs')
        .values({ task_id: oldTask.id, created_at: now - 40 * DAY, line: 'old' })
        .execute();

      const result = await purgeExpired({ config: server.config, database: server.database, clock: { now: () => now } });
      assert.deepEqual(result, { events: 2100, executions: 1 });

      const events = await db.selectFrom('events').select('tag').where('operator', '=', 'seed').orderBy('id').execute();
      assert.deepEqual(
        events.map((e) => e.tag),
        ['old-pending', 'recent'],
      );
      const executions = await db.selectFrom('executions').select('id').where('vendor_type', '=', 'TEST').orderBy('id').execute();
      assert.deepEqual(
        executions.map((e) => e.id),
        [unfinishedOld, finishedRecent],
      );
      assert.equal(await db.selectFrom('tasks').select('id').where('execution_id', '=', finishedOld).executeTakeFirst(), undefined);
      assert.equal(await db.selectFrom('task_logs').select('id').where('task_id', '=', oldTask.id).executeTakeFirst(), undefined);
    });
  });
}
