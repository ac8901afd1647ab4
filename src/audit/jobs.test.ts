import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Settings } from '../platform/settings/index.js';
import { api, expectJson } from '../testing/api.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { findSchedule } from '../platform/jobs/index.js';
import { fireSystemSchedule } from '../testing/schedules.js';
import { AUDIT_RETENTION_CRON, AUDIT_RETENTION_VENDOR, purgeAuditLogs, recordAudit } from './index.js';
import type { AuditLogJson } from './schema.js';

const DAY = 86_400_000;

for (const dialect of testDialects()) {
  describe(`audit log retention (${dialect.name})`, () => {
    let server: TestServer;
    let now = Date.parse('2026-06-01T00:00:00Z');
    const clock = { now: () => now };
    let purge: () => Promise<number>;
    let settings: Settings;

    before(async () => {
      server = await startTestServer(dialect, { audit: { retentionDays: 90 }, jobs: { pollIntervalMs: 50 } }, clock);
      settings = new Settings(server.database, server.config);
      purge = () => purgeAuditLogs({ database: server.database, clock, settings });
    });
    after(() => server.close());

    const record = (resource: string, at: number, projectId: number | null = 1) =>
      recordAudit(server.database.db, { projectId, operation: 'push', resourceType: 'artifact', resource, username: 'admin', at });

    async function remaining(): Promise<string[]> {
      const res = await api(server.url, 'GET', '/audit-logs?page_size=100&sort=op_time');
      const body = await expectJson<AuditLogJson[]>(res, 200);
      assert.equal(Number(res.headers.get('x-total-count')), body.length);
      return body.map((row) => row.resource);
    }

    it('runs hourly as a system schedule whose run is a job', async () => {
      const schedule = await findSchedule(server.database.db, AUDIT_RETENTION_VENDOR);
      assert.equal(schedule?.cron, AUDIT_RETENTION_CRON);
      assert.equal(AUDIT_RETENTION_CRON, '0 5 * * * *');
      await record('scheduled-old', now - 100 * DAY);
      await record('scheduled-new', now - DAY);
      const execution = await fireSystemSchedule(server.database, AUDIT_RETENTION_VENDOR, now);
      assert.equal(execution.status, 'Success');
      assert.equal(execution.trigger, 'SCHEDULE');
      assert.deepEqual(await remaining(), ['scheduled-new']);
      await server.database.db.deleteFrom('audit_logs').execute();
    });

    it('deletes only rows older than audit_log_retention_days, following the clock and the runtime setting', async () => {
      await record('100-days', now - 100 * DAY);
      await record('login-100-days', now - 100 * DAY, null);
      await record('90-days-and-1ms', now - 90 * DAY - 1);
      await record('90-days', now - 90 * DAY);
      await record('89-days', now - 89 * DAY);
      await record('1-hour', now - 3_600_000);

      await purge();
      assert.deepEqual(await remaining(), ['90-days', '89-days', '1-hour']);
      await purge();
      assert.deepEqual(await remaining(), ['90-days', '89-days', '1-hour']);

      // The runtime setting wins over the configured default.
      await settings.set({ audit_log_retention_days: 30 });
      await purge();
      assert.deepEqual(await remaining(), ['1-hour']);

      now += 30 * DAY;
      await purge();
      assert.deepEqual(await remaining(), []);
      await settings.set({ audit_log_retention_days: 90 });
    });

    it('keeps deleting in batches until nothing old is left', async () => {
      const old = now - 365 * DAY;
      const rows = Array.from({ length: 12_001 }, (_, i) => ({
        project_id: 1,
        operation: 'pull',
        resource_type: 'artifact',
        resource: `library/app:${i}`,
        username: 'admin',
        client_ip: null,
        op_time: old + i,
      }));
      for (let i = 0; i < rows.length; i += 1000)
        await server.database.db
          .insertInto('audit_logs')
          .values(rows.slice(i, i + 1000))
          .execute();
      await record('fresh', now - DAY);

      await purge();
      assert.deepEqual(await remaining(), ['fresh']);
    });

    it('does not wipe the log when the stored setting is not a positive number of days: the configured default applies', async () => {
      await record('ancient', now - 1000 * DAY);
      await record('recent', now - 10 * DAY);
      await settings.set({ audit_log_retention_days: 0 });
      await purge();
      assert.ok((await remaining()).includes('recent'), 'a retention of 0 days would have taken it');
      assert.ok(!(await remaining()).includes('ancient'), 'the default of 90 days takes it');
      await settings.set({ audit_log_retention_days: 90 });
    });
  });
}
