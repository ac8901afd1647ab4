import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { basic } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { assertMatchesHarbor, harborSchemaAvailable } from '../testing/harbor-schema.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { enqueue } from '../platform/jobs/queue.js';
import { setSchedule } from '../platform/jobs/schedules.js';

interface JobQueue {
  job_type: string;
  count: number;
  latency: number;
  paused: boolean;
}

for (const dialect of testDialects()) {
  describe(`job service monitoring API (${dialect.name})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer(dialect, { jobs: { pollIntervalMs: 50 } });
    });
    after(() => server.close());

    const shape = (definition: string, value: unknown, array = false) => {
      if (harborSchemaAvailable()) assertMatchesHarbor(definition, value, { array });
    };

    it('lists pending tasks per queue, pauses, resumes and stops them', async () => {
      // A kind no worker handles stays queued, as work for a feature that is switched off would.
      const executionId = await server.database.db
        .transaction()
        .execute((trx) =>
          enqueue(trx, { vendorType: 'MONITOR_TEST', trigger: 'MANUAL', tasks: [{ kind: 'monitor-test' }, { kind: 'monitor-test' }] }, Date.now() - 5000),
        );
      let queues = await expectJson<JobQueue[]>(await api(server.url, 'GET', '/jobservice/queues'), 200);
      shape('JobQueue', queues, true);
      const queue = queues.find((q) => q.job_type === 'monitor-test');
      assert.equal(queue?.count, 2);
      assert.ok((queue?.latency ?? 0) >= 4, 'latency counts from when the oldest task became due');
      assert.equal(queue?.paused, false);

      await expectJson(await api(server.url, 'PUT', '/jobservice/queues/monitor-test', { body: { action: 'pause' } }), 200);
      queues = await expectJson<JobQueue[]>(await api(server.url, 'GET', '/jobservice/queues'), 200);
      assert.equal(queues.find((q) => q.job_type === 'monitor-test')?.paused, true);
      assert.deepEqual(await expectJson(await api(server.url, 'GET', '/schedules/monitor-test/paused'), 200), { paused: true });
      await expectJson(await api(server.url, 'PUT', '/jobservice/queues/monitor-test', { body: { action: 'resume' } }), 200);
      assert.deepEqual(await expectJson(await api(server.url, 'GET', '/schedules/monitor-test/paused'), 200), { paused: false });

      await expectJson(await api(server.url, 'PUT', '/jobservice/queues/monitor-test', { body: { action: 'stop' } }), 200);
      queues = await expectJson<JobQueue[]>(await api(server.url, 'GET', '/jobservice/queues'), 200);
      assert.equal(
        queues.find((q) => q.job_type === 'monitor-test'),
        undefined,
      );
      const execution = await server.database.db.selectFrom('executions').selectAll().where('id', '=', executionId).executeTakeFirstOrThrow();
      assert.equal(execution.status, 'Stopped');

      assert.equal((await api(server.url, 'PUT', '/jobservice/queues/monitor-test', { body: { action: 'explode' } })).status, 400);
    });

    it('shows schedules, this instance as a worker pool, and a job log', async () => {
      await server.database.db.transaction().execute((trx) => setSchedule(trx, { vendorType: 'MONITOR_TEST', cron: '0 0 3 * * *' }, Date.now()));
      const schedules = await expectJson<Array<{ vendor_type: string; cron: string }>>(await api(server.url, 'GET', '/schedules'), 200);
      shape('ScheduleTask', schedules, true);
      assert.ok(schedules.some((s) => s.vendor_type === 'MONITOR_TEST' && s.cron === '0 0 3 * * *'));

      let pools: Array<{ worker_pool_id: string; pid: number; concurrency: number }> = [];
      for (let i = 0; i < 100 && pools.length === 0; i++) {
        pools = await expectJson(await api(server.url, 'GET', '/jobservice/pools'), 200);
        if (pools.length === 0) await new Promise((r) => setTimeout(r, 50));
      }
      shape('WorkerPool', pools, true);
      assert.equal(pools[0]?.pid, process.pid);
      assert.equal(pools[0]?.concurrency, server.config.jobs.workers);
      const workers = await expectJson<unknown[]>(
        await api(server.url, 'GET', `/jobservice/pools/${encodeURIComponent(pools[0]?.worker_pool_id ?? '')}/workers`),
        200,
      );
      assert.ok(Array.isArray(workers));
      assert.equal((await api(server.url, 'GET', '/jobservice/pools/nowhere/workers')).status, 404);

      const executionId = await server.database.db
        .transaction()
        .execute((trx) => enqueue(trx, { vendorType: 'MONITOR_TEST', trigger: 'MANUAL', tasks: [{ kind: 'monitor-log' }] }, Date.now()));
      const task = await server.database.db.selectFrom('tasks').select('id').where('execution_id', '=', executionId).executeTakeFirstOrThrow();
      await server.database.db
        .insertInto('task_logs')
        .values({ task_id: task.id, created_at: Date.parse('2026-01-02T03:04:05Z'), line: 'swept 3 blobs' })
        .execute();
      const log = await api(server.url, 'GET', `/jobservice/jobs/${task.id}/log`);
      assert.equal(log.status, 200);
      assert.equal(await log.text(), '2026-01-02T03:04:05.000Z [INFO] swept 3 blobs\n');
      await expectJson(await api(server.url, 'PUT', `/jobservice/jobs/${task.id}`), 200);
      const stopped = await server.database.db.selectFrom('tasks').select('status').where('id', '=', task.id).executeTakeFirstOrThrow();
      assert.equal(stopped.status, 'Stopped');
      assert.equal((await api(server.url, 'GET', '/jobservice/jobs/999999/log')).status, 404);
    });

    it('is for system administrators only', async () => {
      await expectJson(
        await api(server.url, 'POST', '/users', { body: { username: 'watcher', password: 'Passw0rd-watcher', email: 'w@example.com', realname: 'W' } }),
        201,
      );
      const user = basic('watcher', 'Passw0rd-watcher');
      for (const [method, path] of [
        ['GET', '/jobservice/queues'],
        ['GET', '/jobservice/pools'],
        ['GET', '/schedules'],
        ['PUT', '/jobservice/queues/all'],
      ] as const) {
        assert.equal(
          (await api(server.url, method, path, { authorization: user, body: method === 'PUT' ? { action: 'stop' } : undefined })).status,
          403,
          `${method} ${path}`,
        );
        assert.equal(
          (await api(server.url, method, path, { authorization: null, body: method === 'PUT' ? { action: 'stop' } : undefined })).status,
          401,
          `${method} ${path} anonymously`,
        );
      }
    });
  });
}
