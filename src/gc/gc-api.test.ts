import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { basic, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { assertMatchesHarbor } from '../testing/harbor-schema.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { runGc, startGcRun, waitForGc, type GcHistoryJson } from './fixtures.suite.js';
import { GC_TASK } from './schema.js';

for (const dialect of testDialects()) {
  describe(`/system/gc API (${dialect.name})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer(dialect, { gc: { graceMinutes: 0 }, jobs: { pollIntervalMs: 50 } });
    });
    after(() => server.close());

    it('lists runs newest first in Harbor shape, with paging, a run by id and its log', async () => {
      const client = new TestClient(server.url);
      const image = await client.pushImage('library/gc-api', 'one');
      assert.equal((await client.request('DELETE', `/v2/library/gc-api/manifests/${image.digest}`)).status, 202);
      const first = await runGc(server.url, { delete_untagged: false, dry_run: true });
      const second = await runGc(server.url, { delete_untagged: false });
      assert.equal(second.status, 'Success');

      const res = await api(server.url, 'GET', '/system/gc?page=1&page_size=1');
      const page = await expectJson<GcHistoryJson[]>(res, 200);
      assertMatchesHarbor('GCHistory', page, { array: true });
      assert.equal(res.headers.get('x-total-count'), '2');
      assert.match(res.headers.get('link') ?? '', /rel="next"/);
      assert.equal(page[0]!.id, second.id);
      assert.equal(page[0]!.job_kind, 'MANUAL');

      const one = await expectJson<GcHistoryJson>(await api(server.url, 'GET', `/system/gc/${first.id}`), 200);
      assertMatchesHarbor('GCHistory', one);
      const params = JSON.parse(one.job_parameters) as Record<string, unknown>;
      assert.equal(params.dry_run, true);
      assert.equal(typeof params.freed_space, 'number');

      const logRes = await api(server.url, 'GET', `/system/gc/${second.id}/log`);
      assert.equal(logRes.status, 200);
      assert.match(logRes.headers.get('content-type') ?? '', /^text\/plain/);
      const log = await logRes.text();
      assert.match(log, new RegExp(`${second.attrs.freed_space} bytes freed`));
      assert.ok(second.attrs.freed_space! > 0);

      assert.equal((await api(server.url, 'GET', '/system/gc/999999')).status, 404);
      assert.equal((await api(server.url, 'GET', '/system/gc/999999/log')).status, 404);
    });

    it('refuses a second manual run while one is pending or running, and stops a run', async () => {
      // The GC queue is paused, so the first run stays pending for as long as the test needs.
      await expectJson(await api(server.url, 'PUT', `/jobservice/queues/${GC_TASK}`, { body: { action: 'pause' } }), 200);
      try {
        const id = await startGcRun(server.url, { delete_untagged: true });
        const again = await api(server.url, 'POST', '/system/gc/schedule', { body: { schedule: { type: 'Manual' }, parameters: {} } });
        assert.equal(again.status, 409);
        assert.equal(((await again.json()) as { errors: Array<{ code: string }> }).errors[0]!.code, 'CONFLICT');
        await expectJson(await api(server.url, 'PUT', `/system/gc/${id}`), 200);
        const stopped = await waitForGc(server.url, id);
        assert.equal(stopped.status, 'Stopped');
      } finally {
        await expectJson(await api(server.url, 'PUT', `/jobservice/queues/${GC_TASK}`, { body: { action: 'resume' } }), 200);
      }
    });

    it('refuses a GC cron firing more than once a minute with 400', async () => {
      const res = await api(server.url, 'POST', '/system/gc/schedule', { body: { schedule: { type: 'Custom', cron: '* * * * * *' }, parameters: {} } });
      assert.equal(res.status, 400);
      assert.match(await res.text(), /once a minute/);
      const empty = await expectJson<{ schedule: { type: string } }>(await api(server.url, 'GET', '/system/gc/schedule'), 200);
      assert.equal(empty.schedule.type, 'None');
    });

    it('keeps a schedule in Harbor shape; None removes it', async () => {
      const empty = await expectJson<{ schedule: { type: string } }>(await api(server.url, 'GET', '/system/gc/schedule'), 200);
      assert.equal(empty.schedule.type, 'None');
      await expectJson(
        await api(server.url, 'POST', '/system/gc/schedule', { body: { schedule: { type: 'Daily' }, parameters: { delete_untagged: true, workers: 2 } } }),
        201,
      );
      assert.equal((await api(server.url, 'POST', '/system/gc/schedule', { body: { schedule: { type: 'Weekly' } } })).status, 409);
      let current = await expectJson<GcHistoryJson & { schedule: { type: string; cron: string; next_scheduled_time: string } }>(
        await api(server.url, 'GET', '/system/gc/schedule'),
        200,
      );
      assertMatchesHarbor('GCHistory', current);
      assert.equal(current.schedule.type, 'Daily');
      assert.equal(current.schedule.cron, '0 0 0 * * *');
      assert.ok(Date.parse(current.schedule.next_scheduled_time) > Date.now());
      assert.deepEqual(JSON.parse(current.job_parameters), { delete_untagged: true, dry_run: false, workers: 2 });

      await expectJson(await api(server.url, 'PUT', '/system/gc/schedule', { body: { schedule: { type: 'Custom', cron: '0 30 2 * * *' } } }), 200);
      current = await expectJson(await api(server.url, 'GET', '/system/gc/schedule'), 200);
      assert.deepEqual([current.schedule.type, current.schedule.cron], ['Custom', '0 30 2 * * *']);
      assert.equal((await api(server.url, 'PUT', '/system/gc/schedule', { body: { schedule: { type: 'Custom', cron: 'not a cron' } } })).status, 400);
      assert.equal((await api(server.url, 'PUT', '/system/gc/schedule', { body: { schedule: { type: 'Custom' }, parameters: { workers: 9 } } })).status, 400);

      await expectJson(await api(server.url, 'PUT', '/system/gc/schedule', { body: { schedule: { type: 'None' } } }), 200);
      assert.equal((await expectJson<{ schedule: { type: string } }>(await api(server.url, 'GET', '/system/gc/schedule'), 200)).schedule.type, 'None');
    });

    it('is for administrators only', async () => {
      await expectJson(
        await api(server.url, 'POST', '/users', { body: { username: 'gcuser', password: 'Passw0rd-gcuser', email: 'gc@example.com', realname: 'G' } }),
        201,
      );
      const user = basic('gcuser', 'Passw0rd-gcuser');
      assert.equal((await api(server.url, 'GET', '/system/gc', { authorization: user })).status, 403);
      assert.equal((await api(server.url, 'GET', '/system/gc/schedule', { authorization: user })).status, 403);
      assert.equal((await api(server.url, 'POST', '/system/gc/schedule', { authorization: user, body: { schedule: { type: 'Manual' } } })).status, 403);
      assert.equal((await api(server.url, 'PUT', '/system/gc/1', { authorization: user })).status, 403);
      assert.equal((await api(server.url, 'GET', '/system/gc', { authorization: null })).status, 401);
    });
  });
}
