/**
 * `proxy_speed_kb`: a proxy cache project's bandwidth limit for what it fetches from its upstream
 * (a real CNCF distribution), and the values it accepts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../platform/registry-client/index.js';
import { api, expectJson } from '../testing/api.js';
import { TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startDistribution, type DistributionServer } from '../testing/distribution.js';
import { openBuffer, sha256Of } from '../testing/registry-content.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { skipUnlessTools } from '../../test/e2e/harness.js';

const SIZE = 256 * 1024;
const SPEED_KB = 64;

for (const dialect of testDialects()) {
  describe(`proxy cache bandwidth limit (${dialect.name})`, { skip: skipUnlessTools('docker-registry'), timeout: 120_000 }, () => {
    let server: TestServer;
    let remote: DistributionServer;
    let upstream: RegistryClient;

    before(async () => {
      remote = await startDistribution();
      upstream = new RegistryClient({ url: remote.url, allowPrivateNetworks: true });
      server = await startTestServer(dialect);
      const created = await api(server.url, 'POST', '/registries', { body: { name: 'upstream', type: 'docker-registry', url: remote.url, insecure: true } });
      await expectJson(created, 201);
      const registryId = Number(created.headers.get('location')?.split('/').pop());
      await expectJson(
        await api(server.url, 'POST', '/projects', { body: { project_name: 'slow', registry_id: registryId, metadata: { proxy_speed_kb: String(SPEED_KB) } } }),
        201,
      );
    });
    after(async () => {
      upstream?.close();
      await server?.close();
      await remote?.stop();
    });

    it('pulls an uncached blob from the upstream no faster than proxy_speed_kb', async () => {
      const bytes = randomBytes(SIZE);
      const digest = sha256Of(bytes);
      await upstream.pushBlob('team/big', digest, SIZE, openBuffer(bytes));
      const started = Date.now();
      const res = await new TestClient(server.url).request('GET', `/v2/slow/team/big/blobs/${digest}`);
      const body = Buffer.from(await res.arrayBuffer());
      const elapsed = Date.now() - started;
      assert.equal(res.status, 200);
      assert.equal(sha256Of(body), digest);
      // 256 KiB at 64 KiB/s takes 4 s; 3 s leaves room for timer slack, and no upper bound is asserted.
      assert.ok(elapsed >= 3000, `took ${elapsed} ms`);
    });

    it('takes -1 for unlimited and refuses anything but -1 or a positive number of KB/s with 400', async () => {
      const project = await expectJson<{ metadata: Record<string, string> }>(await api(server.url, 'GET', '/projects/slow'), 200);
      assert.equal(project.metadata.proxy_speed_kb, String(SPEED_KB));
      await expectJson(await api(server.url, 'PUT', '/projects/slow/metadatas/proxy_speed_kb', { body: { proxy_speed_kb: '-1' } }), 200);
      for (const bad of ['0', '-2', 'fast', '1.5', '', '99999999999']) {
        const refused = await expectJson<{ errors: Array<{ message: string }> }>(
          await api(server.url, 'PUT', '/projects/slow/metadatas/proxy_speed_kb', { body: { proxy_speed_kb: bad } }),
          400,
        );
        assert.match(refused.errors[0]?.message ?? '', /proxy_speed_kb must be -1 \(unlimited\) or a number of KB\/s/, bad);
      }
      await expectJson(await api(server.url, 'PUT', '/projects/slow', { body: { metadata: { proxy_speed_kb: 'slow' } } }), 400);
      const kept = await expectJson<{ proxy_speed_kb: string }>(await api(server.url, 'GET', '/projects/slow/metadatas/proxy_speed_kb'), 200);
      assert.equal(kept.proxy_speed_kb, '-1');
    });
  });
}
