import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { basic, OCI_INDEX, OCI_MANIFEST, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { Receiver } from '../testing/receiver.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { eventually } from '../testing/wait.js';
import { FakeAdapter } from './testing/fake-adapter.js';
import { TestScanEngine } from './testing/test-engine.js';

type Json = Record<string, unknown>;
type ErrorBody = { errors: Array<{ code: string; message: string }> };
const OVERVIEW_MIME = 'application/vnd.security.vulnerability.report; version=1.1';
const PASSWORD = 'Developer12345';

interface Overview {
  report_id: string;
  scan_status: string;
  severity?: string;
  summary?: { total: number; fixable: number; summary: Record<string, number> };
  complete_percent: number;
  scanner?: { name: string };
}

async function expectError(res: Response, status: number, code: string): Promise<string> {
  const body = await expectJson<ErrorBody>(res, status);
  assert.equal(body.errors[0]?.code, code);
  return body.errors[0]?.message ?? '';
}

async function overviewOf(url: string, project: string, repo: string, reference: string): Promise<Overview | undefined> {
  const artifact = await expectJson<Json>(await api(url, 'GET', `/projects/${project}/repositories/${repo}/artifacts/${reference}?with_scan_overview=true`), 200);
  return (artifact.scan_overview as Record<string, Overview> | undefined)?.[OVERVIEW_MIME];
}

function finished(url: string, project: string, repo: string, reference: string, previous?: string): Promise<Overview> {
  return eventually(async () => {
    const overview = await overviewOf(url, project, repo, reference);
    if (!overview || overview.report_id === previous || ['Pending', 'Running'].includes(overview.scan_status)) return undefined;
    return overview;
  });
}

async function registrationUuid(url: string, name: string): Promise<string> {
  const list = await expectJson<Json[]>(await api(url, 'GET', `/scanners?q=name%3D${name}`), 200);
  return String(list[0]?.uuid);
}

for (const dialect of testDialects()) {
  describe(`scanning (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;
    const engine = new TestScanEngine();
    const adapter = new FakeAdapter();
    const receiver = new Receiver();
    const call = (method: string, path: string, options: Parameters<typeof api>[3] = {}) => api(server.url, method, path, options);

    before(async () => {
      await Promise.all([adapter.start(), receiver.start()]);
      server = await startTestServer(dialect, { jobs: { pollIntervalMs: 50 }, outbound: { allowPrivateNetworks: true } }, undefined, { scanEngine: engine });
      client = new TestClient(server.url);
      for (const name of ['scans', 'external', 'auto'])
        await expectJson(
          await call('POST', '/projects', { body: { project_name: name, public: false, ...(name === 'auto' ? { metadata: { auto_scan: 'true' } } : {}) } }),
          201,
        );
      await expectJson(await call('POST', '/users', { body: { username: 'dev', password: PASSWORD, email: 'dev@example.com', realname: 'dev' } }), 201);
      await expectJson(await call('POST', '/projects/scans/members', { body: { role_id: 2, member_user: { username: 'dev' } } }), 201);
    });
    after(async () => {
      await server.close();
      await Promise.all([adapter.close(), receiver.close()]);
    });

    it('has the built-in Berth registration as the default, which cannot be deleted or changed', async () => {
      const list = await expectJson<Json[]>(await call('GET', '/scanners'), 200);
      const berth = list.find((r) => r.name === 'Berth');
      assert.ok(berth);
      assert.equal(berth.is_default, true);
      assert.equal(berth.disabled, false);
      assert.deepEqual(berth.capabilities, { support_vulnerability: true, support_sbom: true });
      assert.equal(
        await expectError(await call('DELETE', `/scanners/${String(berth.uuid)}`), 403, 'FORBIDDEN'),
        'the built-in scanner registration cannot be deleted',
      );
      await expectError(await call('PUT', `/scanners/${String(berth.uuid)}`, { body: { name: 'Berth', url: 'http://elsewhere:1' } }), 403, 'FORBIDDEN');
      const metadata = await expectJson<Json>(await call('GET', `/scanners/${String(berth.uuid)}/metadata`), 200);
      assert.deepEqual(metadata.scanner, { name: 'Berth', vendor: 'Berth', version: 'test' });
    });

    it('creates, reads, updates, pings and deletes registrations, never showing the credential', async () => {
      const res = await call('POST', '/scanners', {
        body: { name: 'Fakey', url: adapter.url, auth: 'APIKey', access_credential: 'adapter-key', description: 'a fake' },
      });
      await expectJson(res, 201);
      const location = res.headers.get('location') ?? '';
      assert.match(location, /^\/api\/v2\.0\/scanners\/[0-9a-f-]{36}$/);
      const uuid = location.split('/').pop() ?? '';
      const got = await expectJson<Json>(await call('GET', `/scanners/${uuid}`), 200);
      assert.equal(got.name, 'Fakey');
      assert.equal(got.auth, 'APIKey');
      assert.notEqual(got.access_credential, 'adapter-key');
      assert.equal(got.is_default, false);
      // The credential is stored encrypted: the database holds no clear copy.
      const row = await server.database.db.selectFrom('scanner_registrations').select('access_credential').where('uuid', '=', uuid).executeTakeFirstOrThrow();
      assert.ok(!row.access_credential.includes('adapter-key'));

      await expectError(await call('POST', '/scanners', { body: { name: 'Fakey', url: adapter.url } }), 409, 'CONFLICT');
      await expectError(await call('POST', '/scanners', { body: { name: 'bad', url: 'ftp://x' } }), 400, 'BAD_REQUEST');
      await expectError(await call('POST', '/scanners', { body: { name: 'nokey', url: adapter.url, auth: 'Bearer' } }), 400, 'BAD_REQUEST');

      // PUT without a credential keeps the stored one: metadata still authenticates.
      await expectJson(await call('PUT', `/scanners/${uuid}`, { body: { name: 'Fakey', url: adapter.url, auth: 'APIKey', description: 'renamed' } }), 200);
      const metadata = await expectJson<Json>(await call('GET', `/scanners/${uuid}/metadata`), 200);
      assert.deepEqual(metadata.scanner, { name: 'Fakey', vendor: 'Tests Inc', version: '9.9' });
      const after = await expectJson<Json>(await call('GET', `/scanners/${uuid}`), 200);
      assert.equal(after.description, 'renamed');
      assert.equal(after.adapter, 'Fakey');
      assert.equal(after.version, '9.9');

      await expectJson(await call('POST', '/scanners/ping', { body: { name: 'p', url: adapter.url, auth: 'APIKey', access_credential: 'adapter-key' } }), 200);
      await expectError(
        await call('POST', '/scanners/ping', { body: { name: 'p', url: adapter.url, auth: 'APIKey', access_credential: 'wrong' } }),
        400,
        'BAD_REQUEST',
      );

      // Default moves with PATCH; the default cannot be deleted, and moves back.
      await expectJson(await call('PATCH', `/scanners/${uuid}`, { body: { is_default: true } }), 200);
      const defaults = (await expectJson<Json[]>(await call('GET', '/scanners'), 200)).filter((r) => r.is_default === true);
      assert.deepEqual(
        defaults.map((r) => r.name),
        ['Fakey'],
      );
      await expectError(await call('DELETE', `/scanners/${uuid}`), 403, 'FORBIDDEN');
      await expectJson(await call('PATCH', `/scanners/${await registrationUuid(server.url, 'Berth')}`, { body: { is_default: true } }), 200);

      const temp = await call('POST', '/scanners', { body: { name: 'temp', url: 'http://203.0.113.9:1' } });
      await expectJson(temp, 201);
      const tempUuid = (temp.headers.get('location') ?? '').split('/').pop() ?? '';
      const deleted = await expectJson<Json>(await call('DELETE', `/scanners/${tempUuid}`), 200);
      assert.equal(deleted.name, 'temp');
      await expectError(await call('GET', `/scanners/${tempUuid}`), 404, 'NOT_FOUND');
      const paged = await call('GET', '/scanners?page_size=1&page=1');
      assert.equal(paged.headers.get('x-total-count'), '2');
    });

    it('refuses registrations and scans to those without the permission', async () => {
      const dev = basic('dev', PASSWORD);
      await expectError(await call('POST', '/scanners', { authorization: dev, body: { name: 'devs', url: adapter.url } }), 403, 'FORBIDDEN');
      await expectError(await call('GET', '/scanners', { authorization: dev }), 403, 'FORBIDDEN');
      await expectError(await call('GET', '/scanners', { authorization: null }), 401, 'UNAUTHORIZED');
      await expectJson(await call('GET', '/projects/scans/scanner', { authorization: dev }), 200);
      await expectError(await call('PUT', '/projects/scans/scanner', { authorization: dev, body: { uuid: 'x' } }), 403, 'FORBIDDEN');
      await client.pushImage('scans/denied', 'v1');
      await expectError(await call('POST', '/projects/scans/repositories/denied/artifacts/v1/scan', { authorization: dev }), 403, 'FORBIDDEN');
    });

    it('scans with the built-in engine: overview, report, log, rescan replacing the report', async () => {
      const { digest } = await client.pushImage('scans/app', 'v1');
      await expectError(await call('POST', '/projects/scans/repositories/app/artifacts/v1/scan', { body: { scan_type: 'other' } }), 400, 'BAD_REQUEST');
      await expectError(await call('POST', '/projects/scans/repositories/app/artifacts/nope/scan'), 404, 'NOT_FOUND');
      assert.equal(await overviewOf(server.url, 'scans', 'app', 'v1'), undefined);

      await expectJson(await call('POST', '/projects/scans/repositories/app/artifacts/v1/scan'), 202);
      const overview = await finished(server.url, 'scans', 'app', 'v1');
      assert.equal(overview.scan_status, 'Success');
      assert.equal(overview.severity, 'Critical');
      assert.deepEqual(overview.summary, { total: 2, fixable: 1, summary: { Critical: 1, Low: 1 } });
      assert.equal(overview.complete_percent, 100);
      assert.equal(overview.scanner?.name, 'Berth');

      const additions = await expectJson<Record<string, Json>>(
        await call('GET', `/projects/scans/repositories/app/artifacts/${digest}/additions/vulnerabilities`),
        200,
      );
      assert.deepEqual(Object.keys(additions), [OVERVIEW_MIME]);
      assert.equal((additions[OVERVIEW_MIME]!.vulnerabilities as unknown[]).length, 2);
      const native = 'application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0';
      const asNative = await expectJson<Record<string, Json>>(
        await call('GET', '/projects/scans/repositories/app/artifacts/v1/additions/vulnerabilities', { headers: { 'x-accept-vulnerabilities': native } }),
        200,
      );
      assert.deepEqual(Object.keys(asNative), [native]);
      await expectError(
        await call('GET', '/projects/scans/repositories/app/artifacts/v1/additions/vulnerabilities', { headers: { 'x-accept-vulnerabilities': 'text/html' } }),
        400,
        'BAD_REQUEST',
      );

      const log = await call('GET', `/projects/scans/repositories/app/artifacts/v1/scan/${overview.report_id}/log`);
      assert.equal(log.status, 200);
      assert.match(await log.text(), /read the manifest and a config of \d+ bytes/);
      await expectError(await call('GET', '/projects/scans/repositories/app/artifacts/v1/scan/no-such-report/log'), 404, 'NOT_FOUND');

      await expectJson(await call('POST', '/projects/scans/repositories/app/artifacts/v1/scan', { body: { scan_type: 'vulnerability' } }), 202);
      const again = await finished(server.url, 'scans', 'app', 'v1', overview.report_id);
      assert.equal(again.scan_status, 'Success');
      const rows = await server.database.db.selectFrom('scan_reports').select('uuid').where('digest', '=', digest).execute();
      assert.deepEqual(
        rows.map((r) => r.uuid),
        [again.report_id],
      );
    });

    it("scans an index's images and sums their findings into the index's overview, as Harbor does", async () => {
      const amd = await client.pushImage('scans/multi', 'amd64', Buffer.from('amd64 layer'));
      const arm = await client.pushImage('scans/multi', 'arm64', Buffer.from('arm64 layer'));
      const entry = (digest: string, manifest: object, architecture: string) => ({
        mediaType: OCI_MANIFEST,
        digest,
        size: Buffer.byteLength(JSON.stringify(manifest)),
        platform: { os: 'linux', architecture },
      });
      const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [entry(amd.digest, amd.manifest, 'amd64'), entry(arm.digest, arm.manifest, 'arm64')] };
      await client.pushManifest('scans/multi', 'v1', index, OCI_INDEX);

      await expectJson(await call('POST', '/projects/scans/repositories/multi/artifacts/v1/scan'), 202);
      const overview = await finished(server.url, 'scans', 'multi', 'v1');
      assert.equal(overview.scan_status, 'Success');
      assert.equal(overview.complete_percent, 100);
      assert.equal(overview.severity, 'Critical');
      // Each image has the fixed critical finding and one low finding for its single layer.
      assert.deepEqual(overview.summary, { total: 4, fixable: 2, summary: { Critical: 2, Low: 2 } });
      assert.equal((await overviewOf(server.url, 'scans', 'multi', amd.digest))?.summary?.total, 2);
    });

    it('refuses a second SBOM generation while one runs (409, as Harbor) and stops it with scan_type sbom', async () => {
      await client.pushImage('scans/sbom-slow', 'v1');
      const sbomOverview = async () =>
        (
          await expectJson<{ sbom_overview?: { scan_status: string; report_id: string } }>(
            await call('GET', '/projects/scans/repositories/sbom-slow/artifacts/v1?with_sbom_overview=true'),
            200,
          )
        ).sbom_overview;
      engine.delayMs = 10_000;
      try {
        await expectJson(await call('POST', '/projects/scans/repositories/sbom-slow/artifacts/v1/scan', { body: { scan_type: 'sbom' } }), 202);
        const message = await expectError(
          await call('POST', '/projects/scans/repositories/sbom-slow/artifacts/v1/scan', { body: { scan_type: 'sbom' } }),
          409,
          'CONFLICT',
        );
        assert.match(message, /a previous sbom generate process is running/);
        await eventually(async () => ((await sbomOverview())?.scan_status === 'Running' ? true : undefined));
        // Stopping the vulnerability scan is not stopping the generation.
        await expectError(
          await call('POST', '/projects/scans/repositories/sbom-slow/artifacts/v1/scan/stop', { body: { scan_type: 'vulnerability' } }),
          400,
          'BAD_REQUEST',
        );
        await expectJson(await call('POST', '/projects/scans/repositories/sbom-slow/artifacts/v1/scan/stop', { body: { scan_type: 'sbom' } }), 202);
        const stopped = await eventually(async () => {
          const o = await sbomOverview();
          return o && !['Pending', 'Running'].includes(o.scan_status) ? o : undefined;
        });
        assert.equal(stopped.scan_status, 'Stopped');
      } finally {
        engine.delayMs = 0;
      }
      // The stopped generation's task may still be winding down; a new one is accepted once it has.
      await eventually(async () => {
        const res = await call('POST', '/projects/scans/repositories/sbom-slow/artifacts/v1/scan', { body: { scan_type: 'sbom' } });
        if (res.status === 409) return undefined;
        await expectJson(res, 202);
        return true;
      });
      const done = await eventually(async () => {
        const o = await sbomOverview();
        return o && !['Pending', 'Running', 'Stopped'].includes(o.scan_status) ? o : undefined;
      });
      assert.equal(done.scan_status, 'Success');
    });

    it('stops a running scan and sends SCANNING_STOPPED and SCANNING_COMPLETED webhooks in Harbor payloads', async () => {
      await expectJson(
        await call('POST', '/projects/scans/webhook/policies', {
          body: {
            name: 'scans',
            targets: [{ type: 'http', address: `${receiver.url}/scans` }],
            event_types: ['SCANNING_COMPLETED', 'SCANNING_STOPPED', 'SCANNING_FAILED'],
            enabled: true,
          },
        }),
        201,
      );
      await client.pushImage('scans/slow', 'v1');
      await expectError(
        await call('POST', '/projects/scans/repositories/slow/artifacts/v1/scan/stop', { body: { scan_type: 'vulnerability' } }),
        400,
        'BAD_REQUEST',
      );
      engine.delayMs = 10_000;
      try {
        await expectJson(await call('POST', '/projects/scans/repositories/slow/artifacts/v1/scan'), 202);
        await eventually(async () => ((await overviewOf(server.url, 'scans', 'slow', 'v1'))?.scan_status === 'Running' ? true : undefined));
        await expectJson(await call('POST', '/projects/scans/repositories/slow/artifacts/v1/scan/stop', { body: { scan_type: 'vulnerability' } }), 202);
        const stopped = await finished(server.url, 'scans', 'slow', 'v1');
        assert.equal(stopped.scan_status, 'Stopped');
      } finally {
        engine.delayMs = 0;
      }
      const stoppedHook = await receiver.waitFor('/scans', (r) => r.body.type === 'SCANNING_STOPPED');
      const stoppedData = stoppedHook.body.event_data as { resources: Json[]; repository: Json };
      assert.equal(stoppedData.repository.repo_full_name, 'scans/slow');

      await expectJson(await call('POST', '/projects/scans/repositories/slow/artifacts/v1/scan'), 202);
      const done = await finished(server.url, 'scans', 'slow', 'v1');
      const hook = await receiver.waitFor(
        '/scans',
        (r) => r.body.type === 'SCANNING_COMPLETED' && (r.body.event_data as { repository: Json }).repository.name === 'slow',
      );
      const data = hook.body.event_data as { resources: Array<Json & { scan_overview: Record<string, Overview> }>; repository: Json };
      assert.equal(hook.body.operator, 'admin');
      assert.equal(data.resources[0]?.tag, 'v1');
      assert.match(String(data.resources[0]?.resource_url), /\/scans\/slow:v1$/);
      assert.equal(data.resources[0]?.scan_overview[OVERVIEW_MIME]?.report_id, done.report_id);
      assert.deepEqual(data.resources[0]?.scan_overview[OVERVIEW_MIME]?.summary, { total: 2, fixable: 1, summary: { Critical: 1, Low: 1 } });
    });

    it('scans through an external adapter with version=1.0 MIME types, its API key, polling on 302, and a robot that really pulls', async () => {
      const created = await call('POST', '/scanners', { body: { name: 'External', url: `${adapter.url}/`, auth: 'APIKey', access_credential: 'adapter-key' } });
      await expectJson(created, 201);
      const uuid = (created.headers.get('location') ?? '').split('/').pop() ?? '';
      await expectJson(await call('PUT', '/projects/external/scanner', { body: { uuid } }), 200);
      const chosen = await expectJson<Json>(await call('GET', '/projects/external/scanner'), 200);
      assert.equal(chosen.name, 'External');
      assert.equal(chosen.health, 'healthy');
      const candidates = await expectJson<Json[]>(await call('GET', '/projects/external/scanner/candidates'), 200);
      assert.ok(candidates.some((c) => c.name === 'External'));

      const { digest } = await client.pushImage('external/app', 'v2');
      adapter.calls.length = 0;
      await expectJson(await call('POST', '/projects/external/repositories/app/artifacts/v2/scan'), 202);
      const overview = await finished(server.url, 'external', 'app', 'v2');
      assert.equal(overview.scan_status, 'Success', JSON.stringify(overview));
      assert.equal(overview.severity, 'High');
      assert.deepEqual(overview.summary, { total: 2, fixable: 1, summary: { High: 1, Medium: 1 } });
      assert.equal(overview.scanner?.name, 'Fakey');

      const metadataCall = adapter.calls.find((c) => c.path === '/api/v1/metadata');
      assert.equal(metadataCall?.headers.accept, 'application/vnd.scanner.adapter.metadata+json; version=1.0');
      assert.equal(metadataCall?.headers['x-scanneradapter-api-key'], 'adapter-key');
      const scanCall = adapter.calls.find((c) => c.method === 'POST');
      assert.equal(scanCall?.headers['content-type'], 'application/vnd.scanner.adapter.scan.request+json; version=1.0');
      assert.equal(scanCall?.headers.accept, 'application/vnd.scanner.adapter.scan.response+json; version=1.0');
      const request = JSON.parse(scanCall?.body ?? '{}') as { registry: { url: string; authorization: string }; artifact: Json };
      assert.equal(request.registry.url, server.url);
      assert.match(request.registry.authorization, /^Basic /);
      const robotName = Buffer.from(request.registry.authorization.slice(6), 'base64').toString().split(':')[0] ?? '';
      assert.match(robotName, /^robot\$external\+scanner-external-/);
      assert.deepEqual(request.artifact, {
        namespace_id: request.artifact.namespace_id,
        repository: 'external/app',
        digest,
        tag: 'v2',
        mime_type: 'application/vnd.oci.image.manifest.v1+json',
      });
      // The adapter pulled the manifest from Berth's /v2/ with the robot it was given.
      assert.deepEqual([...adapter.pulls.values()], [200]);
      const polls = adapter.calls.filter((c) => c.path.endsWith('/report'));
      assert.equal(polls.length, 3);
      assert.ok(polls.every((p) => p.headers.accept === OVERVIEW_MIME));
      // The job's robot is gone once it ended.
      await eventually(async () =>
        (await server.database.db.selectFrom('robots').select('id').where('name', '=', robotName).executeTakeFirst()) === undefined ? true : undefined,
      );
      const log = await (await call('GET', `/projects/external/repositories/app/artifacts/v2/scan/${overview.report_id}/log`)).text();
      assert.match(log, /report not ready yet \(poll 2\)/);
    });

    it('leaves the pull time alone when an external scanner pulls, with scanner_skip_update_pulltime on, and audits the pull', async () => {
      const pullTime = async () => (await expectJson<{ pull_time: string }>(await call('GET', '/projects/external/repositories/quiet/artifacts/v1'), 200)).pull_time;
      await client.pushImage('external/quiet', 'v1', Buffer.from('pulled only by the scanner'));
      const untouched = await pullTime();
      const audited = async () => {
        const logs = await expectJson<Array<{ operation: string; resource: string; username: string }>>(
          await call('GET', '/projects/external/logs?page_size=100'),
          200,
        );
        return logs.filter((l) => l.operation === 'pull' && l.resource.startsWith('external/quiet') && l.username.startsWith('robot$')).length;
      };
      await expectJson(await call('PUT', '/configurations', { body: { scanner_skip_update_pulltime: true } }), 200);
      await expectJson(await call('POST', '/projects/external/repositories/quiet/artifacts/v1/scan'), 202);
      assert.equal((await finished(server.url, 'external', 'quiet', 'v1')).scan_status, 'Success');
      // The pull is audited (written with the pull statistics, a few seconds later), its time is not.
      await eventually(async () => ((await audited()) >= 1 ? true : undefined));
      assert.equal(await pullTime(), untouched);

      await expectJson(await call('PUT', '/configurations', { body: { scanner_skip_update_pulltime: false } }), 200);
      const first = (await finished(server.url, 'external', 'quiet', 'v1')).report_id;
      await expectJson(await call('POST', '/projects/external/repositories/quiet/artifacts/v1/scan'), 202);
      await finished(server.url, 'external', 'quiet', 'v1', first);
      await eventually(async () => ((await pullTime()) !== untouched ? true : undefined));
    });

    it('scans on push where auto_scan is on, and removes reports with their artifact', async () => {
      const { digest } = await client.pushImage('auto/app', 'v1');
      const overview = await finished(server.url, 'auto', 'app', 'v1');
      assert.equal(overview.scan_status, 'Success');
      await client.pushImage('scans/noauto', 'v1');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(await overviewOf(server.url, 'scans', 'noauto', 'v1'), undefined);

      await expectJson(await call('DELETE', `/projects/auto/repositories/app/artifacts/${digest}`), 200);
      await eventually(async () =>
        (await server.database.db.selectFrom('scan_reports').select('id').where('digest', '=', digest).executeTakeFirst()) === undefined ? true : undefined,
      );
    });
  });
}
