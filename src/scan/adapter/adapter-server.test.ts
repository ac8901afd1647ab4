import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../../testing/api.js';
import { TestClient } from '../../testing/client.js';
import { testDialects } from '../../testing/dialects.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { eventually } from '../../testing/wait.js';
import { TestScanEngine } from '../testing/test-engine.js';

const OVERVIEW_MIME = 'application/vnd.security.vulnerability.report; version=1.1';
const KEY = 'adapter-key-of-berth-b';

/**
 * Berth B serves its engine as a Harbor scanner adapter; Berth A registers it like any external
 * scanner. B pulls the image from A's /v2/ with the robot A put in the scan request.
 */
for (const dialect of testDialects()) {
  describe(`Berth as a scanner adapter (${dialect.name})`, () => {
    let a: TestServer;
    let b: TestServer;
    const engineB = new TestScanEngine();

    before(async () => {
      const config = { jobs: { pollIntervalMs: 50 }, outbound: { allowPrivateNetworks: true } };
      b = await startTestServer(dialect, { ...config, scan: { adapterApiKey: KEY } }, undefined, { scanEngine: engineB });
      a = await startTestServer(dialect, { ...config, scan: { pollSeconds: 1 } });
      await expectJson(await api(a.url, 'POST', '/projects', { body: { project_name: 'remote', public: false } }), 201);
    });
    after(async () => {
      await a.close();
      await b.close();
    });

    it('refuses callers without the key, in the adapter error shape', async () => {
      const res = await fetch(`${b.url}/scanner-adapter/api/v1/metadata`);
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('content-type'), 'application/vnd.scanner.adapter.error+json; version=1.0');
      assert.ok(((await res.json()) as { error: { message: string } }).error.message);
      const wrong = await fetch(`${b.url}/scanner-adapter/api/v1/metadata`, { headers: { authorization: 'Bearer not-the-key-at-all' } });
      assert.equal(wrong.status, 401);
      // Without a key configured the adapter API does not exist.
      assert.equal((await fetch(`${a.url}/scanner-adapter/api/v1/metadata`, { headers: { 'x-scanneradapter-api-key': KEY } })).status, 404);
    });

    it('answers bad scan requests with 4xx and unknown scans with 404', async () => {
      const headers = { 'x-scanneradapter-api-key': KEY, 'content-type': 'application/vnd.scanner.adapter.scan.request+json; version=1.0' };
      const notJson = await fetch(`${b.url}/scanner-adapter/api/v1/scan`, { method: 'POST', headers, body: '{nope' });
      assert.equal(notJson.status, 400);
      const invalid = await fetch(`${b.url}/scanner-adapter/api/v1/scan`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          registry: { url: a.url },
          artifact: { repository: 'Bad Name', digest: 'x', mime_type: 'application/vnd.oci.image.manifest.v1+json' },
        }),
      });
      assert.equal(invalid.status, 422);
      // A capability the adapter does not have (SBOMs it generates: see sbom-scan.test.ts).
      const sbomOnly = await fetch(`${b.url}/scanner-adapter/api/v1/scan`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          registry: { url: a.url },
          artifact: { repository: 'remote/app', digest: `sha256:${'a'.repeat(64)}`, mime_type: 'application/vnd.oci.image.manifest.v1+json' },
          enabled_capabilities: [{ type: 'malware' }],
        }),
      });
      assert.equal(sbomOnly.status, 501);
      const unknown = await fetch(`${b.url}/scanner-adapter/api/v1/scan/nope/report`, { headers: { 'x-scanneradapter-api-key': KEY } });
      assert.equal(unknown.status, 404);
    });

    it('scans for another Berth, pulling the image over /v2/ with the credentials in the request', async () => {
      const created = await api(a.url, 'POST', '/scanners', { body: { name: 'BerthB', url: `${b.url}/scanner-adapter`, auth: 'APIKey', access_credential: KEY } });
      await expectJson(created, 201);
      const uuid = (created.headers.get('location') ?? '').split('/').pop() ?? '';
      const metadata = await expectJson<{ scanner: { name: string } }>(await api(a.url, 'GET', `/scanners/${uuid}/metadata`), 200);
      assert.equal(metadata.scanner.name, 'Berth');
      await expectJson(await api(a.url, 'PUT', '/projects/remote/scanner', { body: { uuid } }), 200);

      const { digest } = await new TestClient(a.url).pushImage('remote/app', 'v1');
      engineB.delayMs = 1200;
      await expectJson(await api(a.url, 'POST', '/projects/remote/repositories/app/artifacts/v1/scan'), 202);
      const overview = await eventually(async () => {
        const artifact = await expectJson<{ scan_overview?: Record<string, { scan_status: string; summary?: unknown; report_id: string }> }>(
          await api(a.url, 'GET', '/projects/remote/repositories/app/artifacts/v1?with_scan_overview=true'),
          200,
        );
        const entry = artifact.scan_overview?.[OVERVIEW_MIME];
        return entry && !['Pending', 'Running'].includes(entry.scan_status) ? entry : undefined;
      });
      assert.equal(overview.scan_status, 'Success');
      assert.deepEqual(overview.summary, { total: 2, fixable: 1, summary: { Critical: 1, Low: 1 } });
      // B's engine read the image A holds (it never held it itself).
      assert.deepEqual(engineB.scanned, [digest]);
      const log = await (await api(a.url, 'GET', `/projects/remote/repositories/app/artifacts/v1/scan/${overview.report_id}/log`)).text();
      assert.match(log, /report not ready yet/);
    });
  });
}
