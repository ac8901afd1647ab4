import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { errorCode, OCI_MANIFEST, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { MAX_CONFIG_BYTES } from './stored.js';

const IMAGE_CONFIG = 'application/vnd.oci.image.config.v1+json';
const LAYER = 'application/vnd.oci.image.layer.v1.tar';

/** A JSON object whose `config.Labels` nests `depth` arrays deep. */
function deepConfig(depth: number): Buffer {
  return Buffer.from(`{"architecture":"amd64","os":"linux","config":{"Labels":${'['.repeat(depth)}${']'.repeat(depth)}}}`);
}

for (const dialect of testDialects()) {
  describe(`JSON a client pushes is bounded at push (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;
    let layer: { mediaType: string; digest: string; size: number };

    before(async () => {
      server = await startTestServer(dialect);
      client = new TestClient(server.url);
      const data = Buffer.from('a layer');
      layer = { mediaType: LAYER, digest: await client.pushBlob('library/bounds', data), size: data.length };
      await client.pushImage('library/bounds', 'fine');
    });
    after(() => server.close());

    const put = (tag: string, body: string) => client.request('PUT', `/v2/library/bounds/manifests/${tag}`, { body, headers: { 'content-type': OCI_MANIFEST } });
    const manifestWith = async (config: Buffer) => ({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: IMAGE_CONFIG, digest: await client.pushBlob('library/bounds', config), size: config.length },
      layers: [layer],
    });

    it('a config nested 50,000 levels deep is refused at push with MANIFEST_INVALID, and listings keep answering', async () => {
      const res = await put('deep-config', JSON.stringify(await manifestWith(deepConfig(50_000))));
      assert.equal(res.status, 400);
      assert.equal(await errorCode(res), 'MANIFEST_INVALID');
      assert.equal((await client.request('GET', '/v2/library/bounds/manifests/deep-config')).status, 404);
      const listing = await api(server.url, 'GET', '/projects/library/repositories/bounds/artifacts?with_tag=true');
      const rows = await expectJson<Array<{ tags: Array<{ name: string }> }>>(listing, 200);
      assert.deepEqual(
        rows.flatMap((r) => r.tags.map((t) => t.name)),
        ['fine'],
      );
    });

    it('a config nested 64 levels deep is taken', async () => {
      const res = await put('nested-config', JSON.stringify(await manifestWith(deepConfig(60))));
      assert.equal(res.status, 201);
    });

    it('an image config over 4 MiB is refused at push with MANIFEST_INVALID', async () => {
      const big = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', comment: 'x'.repeat(MAX_CONFIG_BYTES) }));
      const res = await put('big-config', JSON.stringify(await manifestWith(big)));
      assert.equal(res.status, 400);
      const body = await res.text();
      assert.match(body, /"code":"MANIFEST_INVALID"/);
      assert.match(body, /more than the 4194304 a config may be/);
    });

    it('a manifest nested deeper than 64 levels is refused with MANIFEST_INVALID and not stored', async () => {
      const manifest = JSON.stringify(await manifestWith(Buffer.from('{}')));
      const res = await put('deep-manifest', `${manifest.slice(0, -1)},"extra":${'['.repeat(10_000)}${']'.repeat(10_000)}}`);
      assert.equal(res.status, 400);
      const body = await res.text();
      assert.match(body, /"code":"MANIFEST_INVALID"/);
      assert.match(body, /nested more than 64 levels/);
      assert.equal((await client.request('GET', '/v2/library/bounds/manifests/deep-manifest')).status, 404);
    });
  });
}
