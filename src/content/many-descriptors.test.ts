import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inBatches } from '../platform/db/index.js';
import { errorCode, OCI_INDEX, OCI_MANIFEST, sha256, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { MAX_DESCRIPTORS } from './manifest-parse.js';
import { linkedBlobSizes, manifestSizes } from './repo.js';

describe('inBatches', () => {
  it('deduplicates and bounds every batch', () => {
    const batches = inBatches([...Array.from({ length: 1200 }, (_, i) => String(i)), '1', '2'], 500);
    assert.deepEqual(
      batches.map((b) => b.length),
      [500, 500, 200],
    );
  });
});

for (const dialect of testDialects()) {
  describe(`manifests listing many descriptors (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;
    let layer: { mediaType: string; digest: string; size: number };
    let config: { mediaType: string; digest: string; size: number };

    before(async () => {
      server = await startTestServer(dialect, { registry: { maxManifestBytes: 8 * 1024 * 1024 } });
      client = new TestClient(server.url);
      const layerData = Buffer.from('one layer');
      const configData = Buffer.from('{}');
      layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: await client.pushBlob('library/many', layerData), size: layerData.length };
      config = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: await client.pushBlob('library/many', configData), size: configData.length };
    });
    after(() => server.close());

    it('lookups of 36,000 digests stay under the SQL variable limit', async () => {
      const repository = await server.database.db.selectFrom('repositories').select('id').where('name', '=', 'library/many').executeTakeFirstOrThrow();
      const digests = Array.from({ length: 36_000 }, (_, i) => sha256(String(i)));
      digests.push(layer.digest);
      const blobs = await linkedBlobSizes(server.database.db, repository.id, digests);
      assert.deepEqual([...blobs], [[layer.digest, layer.size]]);
      assert.equal((await manifestSizes(server.database.db, repository.id, digests)).size, 0);
    });

    it('a manifest listing 36,000 copies of one layer is MANIFEST_INVALID and stores nothing', async () => {
      const body = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: Array.from({ length: 36_000 }, () => layer) });
      const res = await client.request('PUT', '/v2/library/many/manifests/huge', { body, headers: { 'content-type': OCI_MANIFEST } });
      assert.equal(res.status, 400, await res.clone().text());
      assert.equal(await errorCode(res), 'MANIFEST_INVALID');
      assert.equal((await client.request('HEAD', '/v2/library/many/manifests/huge')).status, 404);
      assert.equal((await client.request('HEAD', `/v2/library/many/manifests/${sha256(body)}`)).status, 404);
    });

    it(`a manifest listing ${MAX_DESCRIPTORS} copies of one layer is stored`, async () => {
      const layers = Array.from({ length: MAX_DESCRIPTORS }, () => layer);
      const { digest } = await client.pushManifest('library/many', 'copies', { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers });
      const res = await client.request('GET', `/v2/library/many/manifests/${digest}`, { headers: { accept: OCI_MANIFEST } });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { layers: unknown[] }).layers.length, MAX_DESCRIPTORS);
    });

    it('an index listing more than the bound of entries is MANIFEST_INVALID', async () => {
      const child = await client.pushImage('library/many', 'child');
      const entry = { mediaType: OCI_MANIFEST, digest: child.digest, size: Buffer.byteLength(JSON.stringify(child.manifest)) };
      const body = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: Array.from({ length: MAX_DESCRIPTORS + 1 }, () => entry) });
      const res = await client.request('PUT', '/v2/library/many/manifests/index', { body, headers: { 'content-type': OCI_INDEX } });
      assert.equal(res.status, 400);
      assert.equal(await errorCode(res), 'MANIFEST_INVALID');
      const copies = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: Array.from({ length: MAX_DESCRIPTORS }, () => entry) });
      const ok = await client.request('PUT', '/v2/library/many/manifests/index', { body: copies, headers: { 'content-type': OCI_INDEX } });
      assert.equal(ok.status, 201, await ok.text());
    });
  });
}
