import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp, MODULES } from './app.js';
import { PURGE_SESSIONS_TASK } from './auth/index.js';
import { HOUSEKEEPING_VENDOR } from './housekeeping/index.js';
import { parseConfig } from './platform/config/load.js';
import type { ConfigInput } from './platform/config/schema.js';
import { openDatabase, type Database } from './platform/db/index.js';
import { enqueue, findExecution, FINAL_STATUSES } from './platform/jobs/index.js';
import { createStorage } from './platform/storage/index.js';
import { systemClock } from './platform/clock.js';
import { bootstrap } from './system/bootstrap.js';
import { api, expectJson } from './testing/api.js';
import { ADMIN_PASSWORD } from './testing/server.js';
import { testDialects, type TestDialect } from './testing/dialects.js';
import { eventually } from './testing/wait.js';

/** Several instances (apps, each with its own connection pool) on one database and one data directory. */
class Cluster {
  private readonly apps: FastifyInstance[] = [];
  private readonly databases: Database[] = [];
  private opened!: Awaited<ReturnType<TestDialect['open']>>;
  private dataDir = '';
  database!: Database;

  constructor(private readonly dialect: TestDialect) {}

  async open(): Promise<void> {
    this.opened = await this.dialect.open();
    this.database = this.opened.database;
    this.dataDir = mkdtempSync(join(tmpdir(), 'berth-data-'));
    await bootstrap(this.config({}), this.database, systemClock.now());
  }

  private config(input: ConfigInput) {
    return parseConfig({ ...input, dataDir: this.dataDir, auth: { adminPassword: ADMIN_PASSWORD }, storage: { fsync: false }, log: { level: 'silent' } });
  }

  /** Starts one more instance; answers its base URL. */
  async start(input: ConfigInput): Promise<string> {
    const config = this.config(input);
    const database = await openDatabase({ url: this.opened.url, schema: this.opened.schema, poolSize: 4 });
    this.databases.push(database);
    const app = await buildApp({ config, db: database, storage: await createStorage(config), clock: systemClock });
    this.apps.push(app);
    return app.listen({ host: '127.0.0.1', port: 0 });
  }

  async close(): Promise<void> {
    for (const app of this.apps) await app.close();
    for (const database of this.databases) await database.close();
    await this.opened.cleanup();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('modules', () => {
  it('have unique names, and every system schedule a vendor type of its own', () => {
    const names = MODULES.map((m) => m.name);
    assert.equal(new Set(names).size, names.length);
    const deps = {} as Parameters<NonNullable<(typeof MODULES)[number]['schedules']>>[0];
    const vendorTypes = MODULES.flatMap((m) => m.schedules?.(deps) ?? []).map((s) => s.vendorType);
    assert.deepEqual([...vendorTypes].sort(), [
      'AUDIT_LOG_RETENTION',
      'CVE_EXPORT_CLEANUP',
      'HOUSEKEEPING',
      'PURGE_SESSIONS',
      'PURGE_UPLOADS',
      'PURGE_UPLOAD_FILES',
      'VULNDB_UPDATE',
    ]);
  });
});

for (const dialect of testDialects()) {
  describe(`instances on one database (${dialect.name})`, () => {
    it('fire a system schedule once, not once per instance', async () => {
      const cluster = new Cluster(dialect);
      await cluster.open();
      try {
        await cluster.start({ jobs: { pollIntervalMs: 50 } });
        await cluster.start({ jobs: { pollIntervalMs: 50 } });
        const { db } = cluster.database;
        const schedules = await db.selectFrom('schedules').selectAll().where('vendor_id', '=', -1).execute();
        assert.deepEqual(
          schedules.map((s) => s.vendor_type).sort(),
          ['AUDIT_LOG_RETENTION', 'CVE_EXPORT_CLEANUP', 'HOUSEKEEPING', 'PURGE_SESSIONS', 'PURGE_UPLOADS', 'PURGE_UPLOAD_FILES', 'VULNDB_UPDATE'],
          'each created once',
        );
        const rounds = 4;
        for (let round = 1; round <= rounds; round++) {
          await db
            .updateTable('schedules')
            // A cron far from now, so the schedule's own hourly turn cannot add a run while the test runs.
            .set({ next_run_at: Date.now() - 1, cron: '0 0 0 1 1 *' })
            .where('vendor_type', '=', HOUSEKEEPING_VENDOR)
            .execute();
          await eventually(async () => {
            const runs = await db.selectFrom('executions').select('status').where('vendor_type', '=', HOUSEKEEPING_VENDOR).execute();
            return runs.length >= round && runs.every((r) => FINAL_STATUSES.has(r.status)) ? true : undefined;
          });
          // Both instances poll every 50 ms: long enough for a second, duplicate run to be queued if either made one.
          await sleep(300);
        }
        const runs = await db.selectFrom('executions').selectAll().where('vendor_type', '=', HOUSEKEEPING_VENDOR).execute();
        assert.equal(runs.length, rounds);
        assert.ok(runs.every((r) => r.status === 'Success' && r.trigger === 'SCHEDULE'));
      } finally {
        await cluster.close();
      }
    });
  });

  describe(`server roles (${dialect.name})`, () => {
    let cluster: Cluster;
    let web: string;
    let worker: string;

    before(async () => {
      cluster = new Cluster(dialect);
      await cluster.open();
      web = await cluster.start({ server: { role: 'web' }, jobs: { pollIntervalMs: 50 } });
    });
    after(() => cluster.close());

    const queuePurge = () =>
      cluster.database.db
        .transaction()
        .execute((trx) => enqueue(trx, { vendorType: 'ROLE_TEST', trigger: 'MANUAL', tasks: [{ kind: PURGE_SESSIONS_TASK }] }, Date.now()));

    it('web serves the API and /v2/, and runs no tasks, schedules or outbox dispatch', async () => {
      assert.equal((await api(web, 'GET', '/projects')).status, 200);
      assert.equal((await fetch(`${web}/v2/`)).status, 401);
      assert.equal((await fetch(`${web}/livez`)).status, 200);
      const id = await queuePurge();
      await cluster.database.db
        .insertInto('events')
        .values({ type: 'PUSH_ARTIFACT', project_id: null, repository: 'x/y', digest: null, tag: 'role', operator: 'test', created_at: Date.now(), dispatched: 0 })
        .execute();
      await sleep(500);
      assert.equal((await findExecution(cluster.database.db, id))?.status, 'Pending');
      const { db } = cluster.database;
      assert.deepEqual(await db.selectFrom('worker_pools').selectAll().execute(), []);
      assert.deepEqual(await db.selectFrom('schedules').selectAll().where('vendor_id', '=', -1).execute(), []);
      assert.equal((await db.selectFrom('events').select('dispatched').where('tag', '=', 'role').executeTakeFirstOrThrow()).dispatched, 0);
    });

    it('worker answers only /livez and /readyz, and runs what is queued, the web instance’s work included', async () => {
      worker = await cluster.start({ server: { role: 'worker' }, jobs: { pollIntervalMs: 50 } });
      assert.equal((await fetch(`${worker}/livez`)).status, 200);
      assert.equal((await fetch(`${worker}/readyz`)).status, 200);
      assert.equal((await api(worker, 'GET', '/projects')).status, 404);
      assert.equal((await api(worker, 'GET', '/health')).status, 404);
      assert.equal((await fetch(`${worker}/v2/`)).status, 404);
      assert.equal((await fetch(`${worker}/service/token`)).status, 404);

      // The task queued while only the web instance ran, and one queued through the web instance's API.
      const { db } = cluster.database;
      const waiting = await db.selectFrom('executions').select('id').where('vendor_type', '=', 'ROLE_TEST').executeTakeFirstOrThrow();
      const gc = await api(web, 'POST', '/system/gc/schedule', { body: { schedule: { type: 'Manual' }, parameters: { delete_untagged: false, dry_run: true } } });
      assert.equal(gc.status, 201);
      const gcId = Number(gc.headers.get('location')?.split('/').pop());
      for (const id of [waiting.id, gcId, await queuePurge()]) {
        const done = await eventually(async () => {
          const execution = await findExecution(db, id);
          return execution && FINAL_STATUSES.has(execution.status) ? execution : undefined;
        });
        assert.equal(done.status, 'Success');
      }
      const pools = await expectJson<Array<{ worker_pool_id: string }>>(await api(web, 'GET', '/jobservice/pools'), 200);
      assert.equal(pools.length, 1, 'only the worker instance runs workers');
      await eventually(async () =>
        (await db.selectFrom('events').select('dispatched').where('tag', '=', 'role').executeTakeFirstOrThrow()).dispatched === 1 ? true : undefined,
      );
      const schedules = await db.selectFrom('schedules').select('vendor_type').where('vendor_id', '=', -1).execute();
      assert.equal(schedules.length, 7, 'the worker created the system schedules');
    });
  });
}
