import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sha256, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { eventually } from '../testing/wait.js';
import { FreeSpaceGuard, uploadPath } from '../platform/storage/index.js';
import type { Execution } from '../platform/db/index.js';
import { FINAL_STATUSES, findSchedule } from '../platform/jobs/index.js';
import { Metrics } from '../platform/metrics/index.js';
import { PURGE_UPLOADS_CRON, PURGE_UPLOADS_VENDOR, purgeAbandonedUploads } from './purge-uploads.js';

const MINUTE = 60_000;

/** A PATCH whose body the test feeds chunk by chunk, as a long layer upload streams in. */
function streamingPatch(client: TestClient, location: string) {
  let feed!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      feed = controller;
    },
  });
  const sent: Buffer[] = [];
  const response = client.request('PATCH', location, { body });
  return {
    response,
    send(chunk: Buffer) {
      sent.push(chunk);
      feed.enqueue(new Uint8Array(chunk));
    },
    end() {
      feed.close();
      return Buffer.concat(sent);
    },
  };
}

for (const dialect of testDialects()) {
  describe(`abandoned uploads (${dialect.name})`, () => {
    let server: TestServer;
    let now = Date.now();
    const clock = { now: () => now };

    before(async () => {
      server = await startTestServer(dialect, { registry: { uploadTimeoutMinutes: 60, emptyUploadTimeoutMinutes: 5 }, jobs: { pollIntervalMs: 50 } }, clock);
    });
    after(() => server.close());

    /** The newest purge run's id: runs after it are the ones a test waits for. */
    const lastRun = async (): Promise<number> => {
      const row = await server.database.db
        .selectFrom('executions')
        .select((eb) => eb.fn.max('id').as('id'))
        .where('vendor_type', '=', PURGE_UPLOADS_VENDOR)
        .executeTakeFirst();
      return Number(row?.id ?? 0);
    };

    /**
     * Makes the purge due now and answers the run that follows `since`. Once the clock jumps the
     * schedule may also fire by itself; whichever fires first does the purge, and the other
     * finds nothing stale and queues nothing.
     */
    const purgeRun = async (since: number): Promise<Execution> => {
      const { db } = server.database;
      await db
        .updateTable('schedules')
        .set({ next_run_at: now - 1 })
        .where('vendor_type', '=', PURGE_UPLOADS_VENDOR)
        .execute();
      const run = await eventually(async () => {
        const found = await db
          .selectFrom('executions')
          .selectAll()
          .where('vendor_type', '=', PURGE_UPLOADS_VENDOR)
          .where('id', '>', since)
          .orderBy('id')
          .executeTakeFirst();
        return found && FINAL_STATUSES.has(found.status) ? found : undefined;
      });
      // No turn left due to fire later, in the next test.
      await scheduleFired();
      return run;
    };

    const scheduleFired = () =>
      eventually(async () => {
        const schedule = await findSchedule(server.database.db, PURGE_UPLOADS_VENDOR);
        return schedule && Number(schedule.next_run_at) > now ? true : undefined;
      });

    const uploadRow = (id: string) => server.database.db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
    const idOf = (location: string) => location.split('/').pop()!;
    const bytesOnDisk = async (id: string) => (await server.storage.stat(uploadPath(id)))?.size ?? 0;

    it('purges uploads idle past the timeout and keeps recent ones', async () => {
      const client = new TestClient(server.url);
      const stale = (await client.request('POST', '/v2/library/up/blobs/uploads/')).headers.get('location')!;
      await client.request('PATCH', stale, { body: 'old bytes' });
      const since = await lastRun();
      now += 61 * MINUTE;
      // Tokens issued an hour ago have expired by now.
      const later = new TestClient(server.url);
      const fresh = (await later.request('POST', '/v2/library/up/blobs/uploads/')).headers.get('location')!;
      assert.equal((await findSchedule(server.database.db, PURGE_UPLOADS_VENDOR))?.cron, PURGE_UPLOADS_CRON);
      const run = await purgeRun(since);
      assert.equal(run.status, 'Success');
      assert.equal((await later.request('GET', stale)).status, 404);
      assert.equal(await server.storage.stat(uploadPath(idOf(stale))), undefined);
      assert.equal((await later.request('GET', fresh)).status, 204);
      assert.equal((await later.request('DELETE', fresh)).status, 204);
    });

    it('one purge run removes thousands of stale sessions, not a thousand per run, and leaves an upload being written', async () => {
      const client = new TestClient(server.url);
      const live = (await client.request('POST', '/v2/library/flood/blobs/uploads/')).headers.get('location')!;
      const repository = await server.database.db.selectFrom('repositories').select('id').where('name', '=', 'library/flood').executeTakeFirstOrThrow();
      const staleAt = now - 2 * 60 * MINUTE;
      const stale = Array.from({ length: 3000 }, () => ({ id: randomUUID(), repository_id: repository.id, size: 10, created_at: staleAt, updated_at: staleAt }));
      for (let i = 0; i < stale.length; i += 500)
        await server.database.db
          .insertInto('uploads')
          .values(stale.slice(i, i + 500))
          .execute();
      for (const row of stale.slice(0, 5)) await server.storage.putContent(uploadPath(row.id), Buffer.alloc(10));

      // A layer streaming in while an hour passes: its row is marked as the bytes keep arriving.
      const patch = streamingPatch(client, live);
      patch.send(Buffer.alloc(64 * 1024, 1));
      await eventually(async () => ((await bytesOnDisk(idOf(live))) > 0 ? true : undefined));
      const since = await lastRun();
      now += 61 * MINUTE;
      patch.send(Buffer.alloc(64 * 1024, 2));
      await eventually(async () => (Number((await uploadRow(idOf(live)))?.updated_at) === now ? true : undefined));

      const run = await purgeRun(since);
      assert.equal(run.status, 'Success');
      const left = await server.database.db.selectFrom('uploads').select('id').execute();
      assert.deepEqual(
        left.map((r) => r.id),
        [idOf(live)],
      );
      for (const row of stale.slice(0, 5)) assert.equal(await server.storage.stat(uploadPath(row.id)), undefined);

      const data = patch.end();
      assert.equal((await patch.response).status, 202);
      const later = new TestClient(server.url);
      assert.equal((await later.request('PUT', `${live}?digest=${sha256(data)}`)).status, 201);
    });

    it('an upload streaming on one instance survives a purge on another: bytes arriving keep marking it', async () => {
      const client = new TestClient(server.url);
      const live = (await client.request('POST', '/v2/library/elsewhere/blobs/uploads/')).headers.get('location')!;
      const patch = streamingPatch(client, live);
      patch.send(Buffer.alloc(32 * 1024, 3));
      await eventually(async () => ((await bytesOnDisk(idOf(live))) > 0 ? true : undefined));
      now += 61 * MINUTE;
      patch.send(Buffer.alloc(32 * 1024, 4));
      await eventually(async () => (Number((await uploadRow(idOf(live)))?.updated_at) === now ? true : undefined));

      // Another instance's purge knows nothing of what this one is writing.
      const space = new FreeSpaceGuard({ storage: server.storage, database: server.database, minFreeBytes: 0 });
      const purged = await purgeAbandonedUploads({
        config: server.config,
        database: server.database,
        storage: server.storage,
        space,
        clock,
        metrics: new Metrics(),
      });
      assert.equal(purged, 0);
      const data = patch.end();
      assert.equal((await patch.response).status, 202);
      const later = new TestClient(server.url);
      assert.equal((await later.request('PUT', `${live}?digest=${sha256(data)}`)).status, 201);
    });

    it('a session opened and never written to goes after the short idle limit; one with bytes stays until the long timeout', async () => {
      const client = new TestClient(server.url);
      const empty = (await client.request('POST', '/v2/library/idle/blobs/uploads/')).headers.get('location')!;
      const started = (await client.request('POST', '/v2/library/idle/blobs/uploads/')).headers.get('location')!;
      assert.equal((await client.request('PATCH', started, { body: 'first chunk' })).status, 202);
      const since = await lastRun();
      now += 6 * MINUTE;
      const run = await purgeRun(since);
      assert.equal(run.status, 'Success');
      assert.equal(await uploadRow(idOf(empty)), undefined);
      assert.equal((await client.request('GET', empty)).status, 404);
      assert.equal((await client.request('GET', started)).status, 204);
      assert.equal((await client.request('DELETE', started)).status, 204);
    });

    it('a minute with nothing stale queues no run, so the job history does not fill with empty purges', async () => {
      const { db } = server.database;
      const runs = async () => (await db.selectFrom('executions').select('id').where('vendor_type', '=', PURGE_UPLOADS_VENDOR).execute()).length;
      const before = await runs();
      await db
        .updateTable('schedules')
        .set({ next_run_at: now - 1 })
        .where('vendor_type', '=', PURGE_UPLOADS_VENDOR)
        .execute();
      await scheduleFired();
      assert.equal(await runs(), before);
    });
  });
}
