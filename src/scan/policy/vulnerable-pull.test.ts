import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { systemClock } from '../../platform/clock.js';
import { addRobot } from '../../projects/fixtures.suite.js';
import { api, expectJson } from '../../testing/api.js';
import { TestClient } from '../../testing/client.js';
import { testDialects } from '../../testing/dialects.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { eventually } from '../../testing/wait.js';
import { importPaths } from '../vulndb/index.js';
import { tarOf } from '../testing/vulnerable-image.suite.js';

const REPORT_MIME = 'application/vnd.security.vulnerability.report; version=1.1';
const FIXTURES = join(import.meta.dirname, '..', 'vulndb', 'fixtures');
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** Harbor's message, word for word, for an image whose vulnerabilities reach the threshold. */
const refusal = (count: number, severity: string) =>
  `current image with ${count} ${count > 1 ? 'vulnerabilities' : 'vulnerability'} cannot be pulled due to configured policy in 'Prevent images with vulnerability severity of "${severity}" or higher from running.' ` +
  'To continue with pull, please contact your project administrator to exempt matched vulnerabilities through configuring the CVE allowlist.';

for (const dialect of testDialects()) {
  describe(`the "prevent vulnerable images" pull gate (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;
    let digest: string;
    const call = (method: string, path: string, body?: unknown) => api(server.url, method, path, body === undefined ? {} : { body });
    const pull = (reference: string, authorization?: string) =>
      authorization
        ? fetch(`${server.url}/v2/guarded/app/manifests/${reference}`, { headers: { accept: OCI_MANIFEST, authorization } })
        : client.request('GET', `/v2/guarded/app/manifests/${reference}`, { headers: { accept: OCI_MANIFEST }, scope: 'repository:guarded/app:pull' });
    const setPolicy = (metadata: Record<string, string>, allowlist?: { items: Array<{ cve_id: string }>; expires_at?: number | null }) =>
      call('PUT', '/projects/guarded', { metadata, ...(allowlist ? { cve_allowlist: allowlist } : {}) });
    async function expectRefused(reference: string, message: string): Promise<void> {
      const res = await pull(reference);
      const body = (await res.json()) as { errors: Array<{ code: string; message: string }> };
      assert.equal(res.status, 412, JSON.stringify(body));
      assert.equal(body.errors[0]?.code, 'PROJECTPOLICYVIOLATION');
      assert.equal(body.errors[0]?.message, message);
    }
    async function expectPulled(reference: string): Promise<void> {
      const res = await pull(reference);
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(res.headers.get('docker-content-digest'), digest);
    }

    before(async () => {
      server = await startTestServer(dialect, { jobs: { pollIntervalMs: 50 } });
      client = new TestClient(server.url);
      const files = readdirSync(FIXTURES, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'));
      await importPaths(
        server.database,
        files.map((f) => join(FIXTURES, f)),
        { clock: systemClock },
      );
      await expectJson(await call('POST', '/projects', { project_name: 'guarded', metadata: { reuse_sys_cve_allowlist: 'false' } }), 201);
      // minimist 1.2.5: CVE-2021-44906, critical; semver 7.3.8: CVE-2022-25883, medium.
      const layer = await tarOf({
        'usr/lib/node_modules/minimist/package.json': JSON.stringify({ name: 'minimist', version: '1.2.5' }),
        'usr/lib/node_modules/semver/package.json': JSON.stringify({ name: 'semver', version: '7.3.8' }),
      });
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
      ({ digest } = await client.pushArtifact('guarded/app', 'v1', {
        config: { data: config, mediaType: 'application/vnd.oci.image.config.v1+json' },
        layers: [{ data: gzipSync(layer), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }],
      }));
    });
    after(() => server.close());

    it('lets everything through while prevent_vul is off, and refuses an unscanned image once it is on, as Harbor does', async () => {
      await expectPulled('v1');
      await expectJson(await setPolicy({ prevent_vul: 'true', severity: 'high' }), 200);
      await expectRefused(
        'v1',
        `current image without vulnerability scanning cannot be pulled due to configured policy in 'Prevent images with vulnerability severity of "High" or higher from running.' To continue with pull, please contact your project administrator for help.`,
      );
    });

    it('refuses a scanned image with vulnerabilities at or above the severity, by tag and by digest, with Harbor’s message and 412', async () => {
      await expectJson(await call('POST', '/projects/guarded/repositories/app/artifacts/v1/scan'), 202);
      const overview = await eventually(async () => {
        const artifact = await expectJson<{ scan_overview?: Record<string, { scan_status: string; summary?: { total: number } }> }>(
          await call('GET', '/projects/guarded/repositories/app/artifacts/v1?with_scan_overview=true'),
          200,
        );
        const o = artifact.scan_overview?.[REPORT_MIME];
        return o && !['Pending', 'Running'].includes(o.scan_status) ? o : undefined;
      });
      assert.equal(overview.scan_status, 'Success');
      assert.equal(overview.summary?.total, 2);
      await expectRefused('v1', refusal(2, 'High'));
      await expectRefused(digest, refusal(2, 'High'));
      const head = await client.request('HEAD', `/v2/guarded/app/manifests/v1`, { headers: { accept: OCI_MANIFEST }, scope: 'repository:guarded/app:pull' });
      assert.equal(head.status, 412);
      // The management API still shows the artifact: the gate is about pulls.
      await expectJson(await call('GET', '/projects/guarded/repositories/app/artifacts/v1'), 200);
    });

    it('weighs the threshold: critical still refuses, a list without the critical one passes at high and refuses at medium', async () => {
      await expectJson(await setPolicy({ severity: 'critical' }), 200);
      await expectRefused('v1', refusal(2, 'Critical'));
      await expectJson(await setPolicy({ severity: 'high' }, { items: [{ cve_id: 'CVE-2021-44906' }], expires_at: null }), 200);
      await expectPulled('v1');
      await expectJson(await setPolicy({ severity: 'medium' }), 200);
      await expectRefused('v1', refusal(1, 'Medium'));
      await expectJson(await setPolicy({ severity: 'low' }, { items: [{ cve_id: 'CVE-2021-44906' }, { cve_id: 'CVE-2022-25883' }], expires_at: null }), 200);
      await expectPulled('v1');
      await expectPulled(digest);
    });

    it('no longer applies an allowlist once it expired', async () => {
      const past = Math.floor(Date.now() / 1000) - 60;
      await expectJson(await setPolicy({ severity: 'low' }, { items: [{ cve_id: 'CVE-2021-44906' }, { cve_id: 'CVE-2022-25883' }], expires_at: past }), 200);
      await expectRefused('v1', refusal(2, 'Low'));
      const future = Math.floor(Date.now() / 1000) + 3600;
      await expectJson(await setPolicy({ severity: 'low' }, { items: [{ cve_id: 'CVE-2021-44906' }, { cve_id: 'CVE-2022-25883' }], expires_at: future }), 200);
      await expectPulled('v1');
    });

    it('applies the system list instead of the project’s when the project reuses it', async () => {
      await expectJson(await setPolicy({ severity: 'none', reuse_sys_cve_allowlist: 'true' }), 200);
      // The project's own list no longer counts; the system's is empty.
      await expectRefused('v1', refusal(2, 'None'));
      await expectJson(await call('PUT', '/system/CVEAllowlist', { items: [{ cve_id: 'CVE-2021-44906' }, { cve_id: 'CVE-2022-25883' }] }), 200);
      await expectPulled('v1');
      const past = Math.floor(Date.now() / 1000) - 1;
      await expectJson(await call('PUT', '/system/CVEAllowlist', { items: [{ cve_id: 'CVE-2021-44906' }, { cve_id: 'CVE-2022-25883' }], expires_at: past }), 200);
      await expectRefused('v1', refusal(2, 'None'));
    });

    it('lets a scanner’s robot (scanner-pull) through, and not a robot that may only pull', async () => {
      const scanner = await addRobot(server, 'guarded+scanner', 'project', [
        {
          namespace: 'guarded',
          access: [
            { resource: 'repository', action: 'pull' },
            { resource: 'repository', action: 'scanner-pull' },
          ],
        },
      ]);
      const puller = await addRobot(server, 'guarded+puller', 'project', [{ namespace: 'guarded', access: [{ resource: 'repository', action: 'pull' }] }]);
      assert.equal((await pull('v1', scanner)).status, 200);
      assert.equal((await pull('v1', puller)).status, 412);
      await expectJson(await setPolicy({ prevent_vul: 'false' }), 200);
      assert.equal((await pull('v1', puller)).status, 200);
    });
  });
}
