import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../../testing/api.js';
import { basic, TestClient } from '../../testing/client.js';
import { testDialects } from '../../testing/dialects.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { eventually } from '../../testing/wait.js';
import { purgeExpired } from '../../housekeeping/index.js';
import { removeOrphanedExports } from '../export/cleanup.js';
import { exportPath } from '../export/task.js';
import type { VulnerabilityReport } from '../report/types.js';
import { importFixtures, pushNpmImage } from '../testing/npm-images.suite.js';

const REPORT_MIME = 'application/vnd.security.vulnerability.report; version=1.1';

interface Stats {
  total: number;
  completed: number;
  metrics: Record<string, number>;
  ongoing: boolean;
  trigger?: string;
  requester?: string;
}

for (const dialect of testDialects()) {
  describe(`scan all and the security hub (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;
    const call = (method: string, path: string, body?: unknown, authorization?: string) =>
      api(server.url, method, path, { ...(body === undefined ? {} : { body }), ...(authorization ? { authorization } : {}) });
    const digests: Record<string, string> = {};

    before(async () => {
      server = await startTestServer(dialect, { jobs: { pollIntervalMs: 50 } });
      client = new TestClient(server.url);
      await importFixtures(server.database);
      await expectJson(await call('POST', '/projects', { project_name: 'alpha' }), 201);
      await expectJson(await call('POST', '/projects', { project_name: 'beta' }), 201);
      digests.one = await pushNpmImage(client, 'alpha/one', 'v1', { minimist: '1.2.5', semver: '7.3.8' });
      digests.two = await pushNpmImage(client, 'alpha/two', 'v2', { semver: '7.3.8' });
      digests.three = await pushNpmImage(client, 'beta/three', 'v3', { minimist: '1.2.6' });
      await expectJson(await call('POST', '/users', { username: 'dev', email: 'dev@example.com', realname: 'Dev', password: 'Passw0rd-dev' }), 201);
    });
    after(() => server.close());

    const finished = () =>
      eventually(async () => {
        const stats = await expectJson<Stats>(await call('GET', '/scans/all/metrics'), 200);
        return stats.total > 0 && !stats.ongoing ? stats : undefined;
      });

    it('scans every image artifact once with a manual run, and counts the scans by status', async () => {
      const before = await expectJson<Stats>(await call('GET', '/scans/all/metrics'), 200);
      assert.deepEqual(before, { total: 0, completed: 0, metrics: {}, ongoing: false });
      assert.equal((await call('POST', '/system/scanAll/schedule', { schedule: { type: 'Manual' } })).status, 201);
      const stats = await finished();
      assert.equal(stats.total, 3);
      assert.equal(stats.completed, 3);
      assert.deepEqual(stats.metrics, { Success: 3 });
      assert.equal(stats.trigger, 'Manual');
      for (const [repository, tag] of [
        ['alpha/repositories/one', 'v1'],
        ['alpha/repositories/two', 'v2'],
        ['beta/repositories/three', 'v3'],
      ] as const) {
        const artifact = await expectJson<{ scan_overview?: Record<string, { scan_status: string }> }>(
          await call('GET', `/projects/${repository}/artifacts/${tag}?with_scan_overview=true`),
          200,
        );
        assert.equal(artifact.scan_overview?.[REPORT_MIME]?.scan_status, 'Success', repository);
      }
      // No scheduled run yet.
      assert.deepEqual(await expectJson<Stats>(await call('GET', '/scans/schedule/metrics'), 200), { total: 0, completed: 0, metrics: {}, ongoing: false });
    });

    it('keeps a schedule in Harbor’s shape, refuses a second POST, and clears it with None', async () => {
      assert.deepEqual(await expectJson(await call('GET', '/system/scanAll/schedule'), 200), { schedule: { type: 'None', cron: '' } });
      assert.equal((await call('POST', '/system/scanAll/schedule', { schedule: { type: 'Daily' } })).status, 201);
      const daily = await expectJson<{ schedule: { type: string; cron: string; next_scheduled_time: string } }>(await call('GET', '/system/scanAll/schedule'), 200);
      assert.equal(daily.schedule.type, 'Daily');
      assert.equal(daily.schedule.cron, '0 0 0 * * *');
      assert.ok(Date.parse(daily.schedule.next_scheduled_time) > Date.now());
      assert.equal((await call('POST', '/system/scanAll/schedule', { schedule: { type: 'Hourly' } })).status, 409);
      assert.equal((await call('PUT', '/system/scanAll/schedule', { schedule: { type: 'Custom', cron: '0 15 3 * * *' } })).status, 200);
      assert.equal((await expectJson<{ schedule: { type: string } }>(await call('GET', '/system/scanAll/schedule'), 200)).schedule.type, 'Custom');
      assert.equal((await call('PUT', '/system/scanAll/schedule', { schedule: { type: 'Custom', cron: 'not a cron' } })).status, 400);
      assert.equal((await call('PUT', '/system/scanAll/schedule', { schedule: { type: 'Sometimes' } })).status, 400);
      assert.equal((await call('PUT', '/system/scanAll/schedule', { schedule: { type: 'None' } })).status, 200);
      assert.deepEqual(await expectJson(await call('GET', '/system/scanAll/schedule'), 200), { schedule: { type: 'None', cron: '' } });
    });

    it('is for system administrators only', async () => {
      const dev = basic('dev', 'Passw0rd-dev');
      assert.equal((await call('GET', '/scans/all/metrics', undefined, dev)).status, 403);
      assert.equal((await call('POST', '/system/scanAll/schedule', { schedule: { type: 'Manual' } }, dev)).status, 403);
      assert.equal((await call('GET', '/security/summary', undefined, dev)).status, 403);
      assert.equal((await call('GET', '/security/vul', undefined, dev)).status, 403);
    });

    it('summarises what the stored reports say', async () => {
      const reports: VulnerabilityReport[] = [];
      for (const [path, digest] of [
        ['alpha/repositories/one', digests.one],
        ['alpha/repositories/two', digests.two],
        ['beta/repositories/three', digests.three],
      ] as const) {
        const body = await expectJson<Record<string, VulnerabilityReport>>(
          await call('GET', `/projects/${path}/artifacts/${digest}/additions/vulnerabilities`),
          200,
        );
        reports.push(body[REPORT_MIME]!);
      }
      const items = reports.flatMap((r) => r.vulnerabilities);
      const count = (severity: string) => items.filter((v) => v.severity === severity).length;
      assert.equal(count('Critical'), 1, 'minimist 1.2.5 in alpha/one');
      assert.equal(count('Medium'), 2, 'semver 7.3.8 in alpha/one and alpha/two');

      const summary = await expectJson<Record<string, unknown>>(await call('GET', '/security/summary?with_dangerous_cve=true&with_dangerous_artifact=true'), 200);
      assert.equal(summary.total_artifact, 3);
      assert.equal(summary.scanned_cnt, 3);
      assert.equal(summary.total_vuls, items.length);
      assert.equal(summary.critical_cnt, count('Critical'));
      assert.equal(summary.high_cnt, count('High'));
      assert.equal(summary.medium_cnt, count('Medium'));
      assert.equal(summary.low_cnt, count('Low'));
      assert.equal(summary.unknown_cnt, count('Unknown'));
      assert.equal(summary.fixable_cnt, items.filter((v) => v.fix_version).length);
      const cves = summary.dangerous_cves as Array<{ cve_id: string; package: string; version: string; severity: string }>;
      assert.deepEqual(
        cves.map((c) => [c.cve_id, c.package, c.version, c.severity]),
        [['CVE-2021-44906', 'minimist', '1.2.5', 'Critical']],
      );
      const artifacts = summary.dangerous_artifacts as Array<{ repository_name: string; digest: string; critical_cnt: number; medium_cnt: number }>;
      assert.deepEqual(
        artifacts.map((a) => [a.repository_name, a.digest, a.critical_cnt, a.medium_cnt]),
        [
          ['alpha/one', digests.one, 1, 1],
          ['alpha/two', digests.two, 0, 1],
        ],
      );
      const plain = await expectJson<Record<string, unknown>>(await call('GET', '/security/summary'), 200);
      assert.equal(plain.dangerous_cves, undefined);
      assert.equal(plain.total_vuls, items.length);
    });

    it('lists vulnerabilities most severe first, paged, and filtered by each q key', async () => {
      const list = async (query: string) => {
        const res = await call('GET', `/security/vul?${query}`);
        const body = await expectJson<Array<{ cve_id: string; repository_name: string; package: string; tags?: string[]; severity: string }>>(res, 200);
        return { total: Number(res.headers.get('x-total-count')), body };
      };
      const all = await list('page_size=100&with_tag=true');
      assert.equal(all.total, 3);
      assert.deepEqual(
        all.body.map((v) => [v.cve_id, v.repository_name, v.tags]),
        [
          ['CVE-2021-44906', 'alpha/one', ['v1']],
          ['CVE-2022-25883', 'alpha/one', ['v1']],
          ['CVE-2022-25883', 'alpha/two', ['v2']],
        ],
      );
      const page2 = await list('page=2&page_size=2');
      assert.equal(page2.total, 3);
      assert.deepEqual(
        page2.body.map((v) => v.repository_name),
        ['alpha/two'],
      );
      const q = (expr: string) => list(`q=${encodeURIComponent(expr)}`).then((r) => r.body.map((v) => `${v.cve_id}@${v.repository_name}`).sort());
      assert.deepEqual(await q('cve_id=CVE-2022-25883'), ['CVE-2022-25883@alpha/one', 'CVE-2022-25883@alpha/two']);
      assert.deepEqual(await q('severity=Critical'), ['CVE-2021-44906@alpha/one']);
      assert.deepEqual(await q('repository_name=alpha/two'), ['CVE-2022-25883@alpha/two']);
      assert.deepEqual(await q('package=minimist'), ['CVE-2021-44906@alpha/one']);
      assert.deepEqual(await q('tag=v2'), ['CVE-2022-25883@alpha/two']);
      assert.deepEqual(await q(`digest=${digests.two}`), ['CVE-2022-25883@alpha/two']);
      const beta = await expectJson<{ project_id: number }>(await call('GET', '/projects/beta'), 200);
      assert.deepEqual(await q(`project_id=${beta.project_id}`), []);
      assert.deepEqual(await q('severity={Critical Medium},package=semver'), ['CVE-2022-25883@alpha/one', 'CVE-2022-25883@alpha/two']);
      // The GHSA scores: minimist 9.8, semver 5.3 (CVSS v3 of the fixtures).
      assert.deepEqual(await q('cvss_score_v3=[9~10]'), ['CVE-2021-44906@alpha/one']);
      assert.deepEqual(await q('cvss_score_v3=[~6]'), ['CVE-2022-25883@alpha/one', 'CVE-2022-25883@alpha/two']);
    });

    it('refuses a bad q, a bad flag and pages past the bound with 400', async () => {
      for (const query of [
        'q=status%3Dfixed',
        'q=nosuch%3D1',
        'q=cvss_score_v3%3D%5Ba~b%5D',
        'q=cvss_score_v3%3D11',
        'q=project_id%3Dabc',
        'q=cve_id%3D~CVE',
        'page_size=101',
        'page=1001&page_size=100',
        'with_tag=maybe',
      ]) {
        assert.equal((await call('GET', `/security/vul?${query}`)).status, 400, query);
      }
      assert.equal((await call('GET', '/security/summary?with_dangerous_cve=yes')).status, 400);
    });

    it('exports a project’s CVEs as Harbor’s CSV, for the requester only', async () => {
      const alpha = await expectJson<{ project_id: number }>(await call('GET', '/projects/alpha'), 200);
      const exportCve = (body: unknown, authorization?: string, type = REPORT_MIME) =>
        api(server.url, 'POST', '/export/cve', { body, headers: { 'x-scan-data-type': type }, ...(authorization ? { authorization } : {}) });
      const { id } = await expectJson<{ id: number }>(await exportCve({ job_name: 'alpha-cves', projects: [alpha.project_id] }), 200);
      const execution = await eventually(async () => {
        const e = await expectJson<{ status: string; file_present: boolean; user_name: string }>(await call('GET', `/export/cve/execution/${id}`), 200);
        return e.status === 'Success' ? e : undefined;
      });
      assert.equal(execution.file_present, true);
      assert.equal(execution.user_name, 'admin');
      const list = await expectJson<{ items: Array<{ id: number }> }>(await call('GET', '/export/cve/executions'), 200);
      assert.deepEqual(
        list.items.map((e) => e.id),
        [id],
      );
      const download = await call('GET', `/export/cve/download/${id}`);
      assert.equal(download.status, 200);
      assert.match(download.headers.get('content-disposition') ?? '', /attachment; filename="alpha-cves\.csv"/);
      const lines = (await download.text()).trimEnd().split('\r\n');
      assert.equal(
        lines[0],
        'RowId,Project,Owner,Scanner,Repository,Artifact Digest,CVE,Package,Severity,CVSS V3 Score,CVSS V2 Score,CVSS V3 Vector,CVSS V2 Vector,CWE Ids',
      );
      const rows = lines.slice(1).map((l) => l.split(','));
      assert.deepEqual(rows.map((r) => [r[1], r[4], r[5], r[6], r[7], r[8]]).sort(), [
        ['alpha', 'alpha/one', digests.one, 'CVE-2021-44906', 'minimist', 'Critical'],
        ['alpha', 'alpha/one', digests.one, 'CVE-2022-25883', 'semver', 'Medium'],
        ['alpha', 'alpha/two', digests.two, 'CVE-2022-25883', 'semver', 'Medium'],
      ]);

      // Filters: one repository, one CVE.
      const filtered = await expectJson<{ id: number }>(await exportCve({ projects: [alpha.project_id], repositories: '{two}', cveIds: 'CVE-2022-25883' }), 200);
      await eventually(async () => {
        const e = await expectJson<{ status: string }>(await call('GET', `/export/cve/execution/${filtered.id}`), 200);
        return e.status === 'Success' ? e : undefined;
      });
      const text = await (await call('GET', `/export/cve/download/${filtered.id}`)).text();
      assert.equal(text.trimEnd().split('\r\n').length, 2);
      assert.match(text, /alpha\/two,.*CVE-2022-25883,semver/);

      // Another user: not a member, may not export the project nor read another's export.
      const dev = basic('dev', 'Passw0rd-dev');
      assert.equal((await call('GET', `/export/cve/download/${id}`, undefined, dev)).status, 403);
      assert.equal((await call('GET', `/export/cve/execution/${id}`, undefined, dev)).status, 403);
      assert.deepEqual(await expectJson(await call('GET', '/export/cve/executions', undefined, dev), 200), { items: [] });
      // A private project is not shown to a non-member at all.
      assert.equal((await exportCve({ projects: [alpha.project_id] }, dev)).status, 404);
      // Malformed requests.
      assert.equal((await exportCve({ projects: [alpha.project_id] }, undefined, 'text/plain')).status, 400);
      assert.equal((await exportCve({ projects: [] })).status, 400);
      assert.equal((await exportCve({ projects: [alpha.project_id], labels: 'x' })).status, 400);
      assert.equal((await call('GET', '/export/cve/download/abc')).status, 400);
      assert.equal((await call('GET', '/export/cve/download/999999')).status, 404);
    });

    it('removes an export’s file once housekeeping has removed its execution', async () => {
      const alpha = await expectJson<{ project_id: number }>(await call('GET', '/projects/alpha'), 200);
      const { id } = await expectJson<{ id: number }>(
        await api(server.url, 'POST', '/export/cve', { body: { job_name: 'old', projects: [alpha.project_id] }, headers: { 'x-scan-data-type': REPORT_MIME } }),
        200,
      );
      await eventually(async () => (await expectJson<{ status: string }>(await call('GET', `/export/cve/execution/${id}`), 200)).status === 'Success' || undefined);
      const path = exportPath(id);
      assert.ok(await server.storage.stat(path), 'the CSV is in storage');

      // Past the execution retention: housekeeping removes the execution, the clean-up its file.
      const longAgo = Date.now() - (server.config.housekeeping.executionsDays + 1) * 86_400_000;
      await server.database.db.updateTable('executions').set({ end_time: longAgo }).where('id', '=', id).execute();
      await purgeExpired({ config: server.config, database: server.database, clock: { now: () => Date.now() } });
      assert.equal(await removeOrphanedExports({ database: server.database, storage: server.storage }), 1);
      assert.equal(await server.storage.stat(path), undefined);
      assert.equal((await call('GET', `/export/cve/download/${id}`)).status, 404);
      const listed = await expectJson<{ items: Array<{ id: number }> }>(await call('GET', '/export/cve/executions'), 200);
      assert.ok(!listed.items.some((e) => e.id === id));
      assert.equal(await removeOrphanedExports({ database: server.database, storage: server.storage }), 0, 'nothing left to remove');
    });

    it('stops a run: queued scans never start and count as Stopped', async () => {
      // Pausing the scans' queue keeps the run's scans waiting, as on a busy system.
      assert.equal((await call('PUT', '/jobservice/queues/image-scan', { action: 'pause' })).status, 200);
      try {
        assert.equal((await call('POST', '/system/scanAll/schedule', { schedule: { type: 'Manual' } })).status, 201);
        await eventually(async () => {
          const stats = await expectJson<Stats>(await call('GET', '/scans/all/metrics'), 200);
          return stats.total === 3 && stats.metrics.Pending === 3 ? stats : undefined;
        });
        assert.equal((await call('POST', '/system/scanAll/schedule', { schedule: { type: 'Manual' } })).status, 409, 'one run at a time');
        assert.equal((await call('POST', '/system/scanAll/stop')).status, 202);
        const stats = await finished();
        assert.deepEqual(stats.metrics, { Stopped: 3 });
        assert.equal(stats.completed, 3);
        assert.equal((await call('POST', '/system/scanAll/stop')).status, 400, 'nothing left to stop');
        const artifact = await expectJson<{ scan_overview?: Record<string, { scan_status: string }> }>(
          await call('GET', '/projects/alpha/repositories/one/artifacts/v1?with_scan_overview=true'),
          200,
        );
        assert.equal(artifact.scan_overview?.[REPORT_MIME]?.scan_status, 'Stopped');
        // A report being redone shows nothing in the hub.
        const summary = await expectJson<{ scanned_cnt: number; total_vuls: number }>(await call('GET', '/security/summary'), 200);
        assert.deepEqual([summary.scanned_cnt, summary.total_vuls], [0, 0]);
      } finally {
        await call('PUT', '/jobservice/queues/image-scan', { action: 'resume' });
      }
    });
  });
}
