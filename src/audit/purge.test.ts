import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, hashPassword } from '../auth/index.js';
import { api, expectJson } from '../testing/api.js';
import { basic } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { assertMatchesHarbor } from '../testing/harbor-schema.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { eventually } from '../testing/wait.js';

type Json = Record<string, unknown>;
const HOUR = 3_600_000;

for (const dialect of testDialects()) {
  describe(`purge audit logs (${dialect.name})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer(dialect, { jobs: { pollIntervalMs: 50 } });
    });
    after(async () => server.close());

    async function seed(): Promise<void> {
      const old = Date.now() - 48 * HOUR;
      const row = (operation: string, resource_type: string, op_time: number) => ({
        project_id: null,
        operation,
        resource_type,
        resource: `seed/${operation}_${resource_type}`,
        username: 'seed',
        client_ip: null,
        success: 1,
        op_time,
      });
      await server.database.db
        .insertInto('audit_logs')
        .values([row('create', 'artifact', old), row('delete', 'artifact', old), row('pull', 'artifact', old), row('create', 'artifact', Date.now())])
        .execute();
    }

    async function seeded(): Promise<string[]> {
      const rows = await server.database.db.selectFrom('audit_logs').select(['resource', 'op_time']).where('username', '=', 'seed').orderBy('id').execute();
      return rows.map((r) => `${r.resource}${r.op_time < Date.now() - 24 * HOUR ? ' (old)' : ''}`);
    }

    async function runNow(parameters: Json): Promise<Json> {
      const res = await api(server.url, 'POST', '/system/purgeaudit/schedule', { body: { schedule: { type: 'Manual' }, parameters } });
      await expectJson(res, 201);
      const location = res.headers.get('location') ?? '';
      assert.match(location, /^\/api\/v2\.0\/system\/purgeaudit\/\d+$/);
      const id = location.split('/').pop();
      return eventually(async () => {
        const job = await expectJson<Json>(await api(server.url, 'GET', `/system/purgeaudit/${id}`), 200);
        return job.job_status === 'Success' ? job : undefined;
      });
    }

    it('purges old rows of the included event types, and only counts them in a dry run', async () => {
      await seed();
      const dry = await runNow({ audit_retention_hour: 24, include_event_types: 'create_artifact,pull', dry_run: true });
      assertMatchesHarbor('ExecHistory', dry);
      assert.equal(dry.job_kind, 'MANUAL');
      assert.deepEqual(JSON.parse(String(dry.job_parameters)), { audit_retention_hour: 24, include_event_types: 'create_artifact,pull', dry_run: true });
      assert.equal((await seeded()).length, 4);
      const dryLog = await (await api(server.url, 'GET', `/system/purgeaudit/${dry.id}/log`)).text();
      assert.match(dryLog, /dry run: 2 rows would be purged/);

      const real = await runNow({ audit_retention_hour: 24, include_event_types: 'create_artifact,pull', dry_run: false });
      assert.deepEqual(await seeded(), ['seed/delete_artifact (old)', 'seed/create_artifact']);
      const log = await api(server.url, 'GET', `/system/purgeaudit/${real.id}/log`);
      assert.match(log.headers.get('content-type') ?? '', /^text\/plain/);
      assert.match(await log.text(), /purged 2 rows/);

      const history = await api(server.url, 'GET', '/system/purgeaudit');
      const list = await expectJson<Json[]>(history, 200);
      assertMatchesHarbor('ExecHistory', list, { array: true });
      assert.deepEqual(
        list.map((h) => h.id),
        [real.id, dry.id],
      );
      assert.equal(history.headers.get('x-total-count'), '2');
      // Stopping a finished run changes nothing.
      await expectJson(await api(server.url, 'PUT', `/system/purgeaudit/${real.id}`), 200);
      assert.equal((await expectJson<Json>(await api(server.url, 'GET', `/system/purgeaudit/${real.id}`), 200)).job_status, 'Success');
      await expectJson(await api(server.url, 'GET', '/system/purgeaudit/99999'), 404);
    });

    it('keeps a schedule with its parameters, and removes it with None', async () => {
      const parameters = { audit_retention_hour: 168, include_event_types: 'create_artifact,delete_artifact,pull_artifact', dry_run: false };
      await expectJson(await api(server.url, 'POST', '/system/purgeaudit/schedule', { body: { schedule: { type: 'Daily', cron: '' }, parameters } }), 201);
      const schedule = await expectJson<Json>(await api(server.url, 'GET', '/system/purgeaudit/schedule'), 200);
      assertMatchesHarbor('ExecHistory', schedule);
      assert.deepEqual({ ...(schedule.schedule as Json), next_scheduled_time: undefined }, { type: 'Daily', cron: '0 0 0 * * *', next_scheduled_time: undefined });
      assert.ok(Date.parse(String((schedule.schedule as Json).next_scheduled_time)) > Date.now());
      assert.deepEqual(JSON.parse(String(schedule.job_parameters)), parameters);

      await expectJson(
        await api(server.url, 'PUT', '/system/purgeaudit/schedule', { body: { schedule: { type: 'Custom', cron: '0 30 2 * * *' }, parameters } }),
        200,
      );
      const custom = await expectJson<Json>(await api(server.url, 'GET', '/system/purgeaudit/schedule'), 200);
      assert.equal((custom.schedule as Json).cron, '0 30 2 * * *');
      await expectJson(await api(server.url, 'PUT', '/system/purgeaudit/schedule', { body: { schedule: { type: 'Custom', cron: 'not a cron' }, parameters } }), 400);
      await expectJson(
        await api(server.url, 'PUT', '/system/purgeaudit/schedule', { body: { schedule: { type: 'Daily' }, parameters: { audit_retention_hour: 0 } } }),
        400,
      );

      await expectJson(await api(server.url, 'PUT', '/system/purgeaudit/schedule', { body: { schedule: { type: 'None' } } }), 200);
      assert.deepEqual(await expectJson<Json>(await api(server.url, 'GET', '/system/purgeaudit/schedule'), 200), {});
    });

    it('is for system administrators only', async () => {
      await createUser(server.database.db, { username: 'not-admin', passwordHash: await hashPassword('Passw0rd-user'), sysadmin: false, now: Date.now() });
      const user = basic('not-admin', 'Passw0rd-user');
      await expectJson(await api(server.url, 'GET', '/system/purgeaudit', { authorization: user }), 403);
      await expectJson(
        await api(server.url, 'POST', '/system/purgeaudit/schedule', {
          authorization: user,
          body: { schedule: { type: 'Manual' }, parameters: { audit_retention_hour: 1 } },
        }),
        403,
      );
      await expectJson(await api(server.url, 'GET', '/system/purgeaudit', { authorization: null }), 401);
    });
  });
}
