import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { OCI_MANIFEST_TYPE, RegistryClient } from '../platform/registry-client/index.js';
import { createProject } from '../projects/index.js';
import { api, expectJson } from '../testing/api.js';
import { errorCode, sha256, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startDistribution } from '../testing/distribution.js';
import { imageManifest, openBuffer, smallBlob } from '../testing/registry-content.js';
import { eventually } from '../testing/wait.js';
import { skipUnlessTools } from '../../test/e2e/harness.js';
import { S3RVER_KEYS, startTestS3, type TestS3 } from '../testing/s3.js';
import { startTestServer, type TestServer } from '../testing/server.js';

const MiB = 1024 * 1024;

let s3: TestS3 | undefined;
before(async () => {
  s3 = await startTestS3();
});
after(() => s3?.stop());

for (const dialect of testDialects()) {
  describe(`blob GETs redirected to S3 (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;
    const layer = randomBytes(3 * MiB + 5);
    let digest = '';

    before(async () => {
      if (!s3) throw new Error('s3rver is not running');
      server = await startTestServer(dialect, {
        storage: {
          driver: 's3',
          redirect: true,
          redirectExpirySeconds: 300,
          // Berth listens on 127.0.0.1: S3 has another host name, as clients need it to (see README).
          s3: { bucket: s3.bucket, endpoint: `http://localhost:${s3.port}`, forcePathStyle: true, ...S3RVER_KEYS, rootDirectory: `berth-${randomUUID()}` },
        },
      });
      client = new TestClient(server.url);
      digest = await client.pushBlob('library/app', layer);
      await createProject(server.database.db, { name: 'private', ownerId: 1, public: false, now: Date.now() });
      await client.pushBlob('private/secret', layer);
    });
    after(() => server.close());

    it('answers a GET with 307 to a presigned URL that serves the blob, ranges too', async () => {
      const res = await client.request('GET', `/v2/library/app/blobs/${digest}`);
      assert.equal(res.status, 307);
      assert.equal(res.headers.get('docker-content-digest'), digest);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const location = new URL(res.headers.get('location') ?? '');
      assert.equal(location.host, `localhost:${s3?.port}`);
      assert.equal(location.searchParams.get('X-Amz-Expires'), '300');
      const bytes = Buffer.from(await (await fetch(location)).arrayBuffer());
      assert.equal(sha256(bytes), digest);
      const ranged = await fetch(location, { headers: { range: 'bytes=100-199' } });
      assert.equal(ranged.status, 206);
      assert.ok(Buffer.from(await ranged.arrayBuffer()).equals(layer.subarray(100, 200)));
    });

    it('sends a client that follows redirects to the bytes, with its Range', async () => {
      const token = await client.token('repository:library/app:pull');
      const res = await fetch(`${server.url}/v2/library/app/blobs/${digest}`, { headers: { authorization: `Bearer ${token}`, range: `bytes=${MiB}-` } });
      assert.equal(res.status, 206);
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(layer.subarray(MiB)));
    });

    it('sends a URL that S3 refuses along with an Authorization header, which is why S3 needs a host name of its own', async () => {
      const res = await client.request('GET', `/v2/library/app/blobs/${digest}`);
      const refused = await fetch(res.headers.get('location') ?? '', { headers: { authorization: `Bearer ${await client.token('repository:library/app:pull')}` } });
      assert.equal(refused.status, 400);
      assert.match(await refused.text(), /Only one auth mechanism allowed/);
    });

    it('answers HEAD itself', async () => {
      const res = await client.request('HEAD', `/v2/library/app/blobs/${digest}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-length'), String(layer.length));
      assert.equal(res.headers.get('docker-content-digest'), digest);
      assert.equal(res.headers.get('location'), null);
    });

    it('checks access before it redirects', async () => {
      const res = await fetch(`${server.url}/v2/private/secret/blobs/${digest}`, { redirect: 'manual' });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('location'), null);
      assert.equal(await errorCode(res), 'UNAUTHORIZED');
      const unknown = await client.request('GET', `/v2/library/app/blobs/${sha256('never pushed')}`);
      assert.equal(unknown.status, 404);
      assert.equal(await errorCode(unknown), 'BLOB_UNKNOWN');
      const elsewhere = await client.request('GET', `/v2/library/other/blobs/${digest}`);
      assert.equal(elsewhere.status, 404, 'a blob not linked in the repository is unknown there, stored or not');
    });

    it('streams a proxy-cache blob it has not stored yet, and redirects once it has', { skip: skipUnlessTools('docker-registry', 'perl') }, async () => {
      const remote = await startDistribution();
      const upstream = new RegistryClient({ url: remote.url, allowPrivateNetworks: true });
      try {
        const config = smallBlob('{"architecture":"amd64","os":"linux"}');
        const layer = smallBlob('a layer only the upstream has');
        for (const blob of [config, layer]) await upstream.pushBlob('team/app', blob.digest, blob.bytes.length, openBuffer(blob.bytes));
        await upstream.putManifest('team/app', 'v1', imageManifest(config, layer).bytes, OCI_MANIFEST_TYPE);
        const created = await api(server.url, 'POST', '/registries', { body: { name: 'upstream', type: 'docker-registry', url: remote.url, insecure: true } });
        await expectJson(created, 201);
        const registryId = Number(created.headers.get('location')?.split('/').pop());
        await expectJson(
          await api(server.url, 'POST', '/projects', { body: { project_name: 'cache', registry_id: registryId, metadata: { public: 'false' } } }),
          201,
        );

        const first = await client.request('GET', `/v2/cache/team/app/blobs/${layer.digest}`);
        assert.equal(first.status, 200, 'not stored yet: streamed from the upstream');
        assert.deepEqual(Buffer.from(await first.arrayBuffer()), layer.bytes);
        const later = await eventually(async () => {
          const res = await client.request('GET', `/v2/cache/team/app/blobs/${layer.digest}`);
          await res.body?.cancel();
          return res.status === 307 ? res : undefined;
        });
        assert.deepEqual(Buffer.from(await (await fetch(later.headers.get('location') ?? '')).arrayBuffer()), layer.bytes);
      } finally {
        upstream.close();
        await remote.stop();
      }
    });

    it('refuses a range outside the blob itself', async () => {
      const res = await client.request('GET', `/v2/library/app/blobs/${digest}`, { headers: { range: `bytes=${layer.length + 10}-` } });
      assert.equal(res.status, 416);
    });
  });
}
