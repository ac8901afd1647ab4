import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { runGc } from '../../../gc/fixtures.suite.js';
import { OCI_MANIFEST, sha256, TestClient } from '../../../testing/client.js';
import { testDialects } from '../../../testing/dialects.js';
import { S3RVER_KEYS, startTestS3, type TestS3 } from '../../../testing/s3.js';
import { startTestServer, type TestServer } from '../../../testing/server.js';
import { createS3Client } from './client.js';

const MiB = 1024 * 1024;

let s3: TestS3 | undefined;
before(async () => {
  s3 = await startTestS3();
});
after(() => s3?.stop());

for (const dialect of testDialects()) {
  describe(`a whole Berth on S3 (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;
    const root = `berth-${randomUUID()}`;

    before(async () => {
      if (!s3) throw new Error('s3rver is not running');
      server = await startTestServer(dialect, {
        storage: { driver: 's3', s3: { bucket: s3.bucket, endpoint: s3.endpoint, forcePathStyle: true, ...S3RVER_KEYS, rootDirectory: root, partSizeMegabytes: 5 } },
        gc: { graceMinutes: 0 },
        jobs: { pollIntervalMs: 50 },
      });
      client = new TestClient(server.url);
    });
    after(() => server.close());

    /** Every key Berth keeps in the bucket. */
    async function stored(): Promise<string[]> {
      if (!s3) throw new Error('s3rver is not running');
      const out = await createS3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, ...S3RVER_KEYS, bucket: s3.bucket }).send(
        new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${root}/` }),
      );
      return (out.Contents ?? []).map((o) => (o.Key ?? '').slice(root.length + 1));
    }

    /** A blob pushed as a client pushes in chunks: POST, PATCH with Content-Range each, PUT ?digest. */
    async function pushChunked(repo: string, data: Buffer, chunk: number): Promise<string> {
      const start = await client.request('POST', `/v2/${repo}/blobs/uploads/`);
      assert.equal(start.status, 202, await start.text());
      let location = start.headers.get('location') ?? '';
      for (let at = 0; at < data.length; at += chunk) {
        const part = data.subarray(at, at + chunk);
        const res = await client.request('PATCH', location, {
          body: new Uint8Array(part),
          headers: { 'content-type': 'application/octet-stream', 'content-range': `${at}-${at + part.length - 1}` },
        });
        assert.equal(res.status, 202, await res.text());
        assert.equal(res.headers.get('range'), `0-${at + part.length - 1}`);
        location = res.headers.get('location') ?? '';
      }
      const digest = sha256(data);
      const done = await client.request('PUT', `${location}${location.includes('?') ? '&' : '?'}digest=${digest}`);
      assert.equal(done.status, 201, await done.text());
      return digest;
    }

    it('pushes an image in chunks, pulls it back byte for byte, and leaves no blob behind once deleted and collected', async () => {
      const repo = 'library/on-s3';
      // One layer in chunks below S3's 5 MiB part minimum, one in chunks above it.
      const small = randomBytes(7 * MiB + 11);
      const large = randomBytes(13 * MiB + 5);
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
      const layers = [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: await pushChunked(repo, small, 3 * MiB), size: small.length },
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: await pushChunked(repo, large, 6 * MiB), size: large.length },
      ];
      const manifest = {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: await client.pushBlob(repo, config), size: config.length },
        layers,
      };
      const { digest } = await client.pushManifest(repo, 'v1', manifest);
      assert.deepEqual(
        (await stored()).filter((k) => k.startsWith('uploads/')),
        [],
        'no upload left behind',
      );

      const pulled = await client.request('GET', `/v2/${repo}/manifests/v1`, { headers: { accept: OCI_MANIFEST } });
      assert.equal(await pulled.text(), JSON.stringify(manifest));
      for (const [layer, data] of [
        [layers[0], small],
        [layers[1], large],
      ] as const) {
        const res = await client.request('GET', `/v2/${repo}/blobs/${layer?.digest ?? ''}`);
        assert.equal(res.status, 200);
        assert.ok(Buffer.from(await res.arrayBuffer()).equals(data), 'layer pulled back byte for byte');
      }
      const ranged = await client.request('GET', `/v2/${repo}/blobs/${layers[1]?.digest ?? ''}`, { headers: { range: `bytes=${5 * MiB}-${5 * MiB + 99}` } });
      assert.equal(ranged.status, 206);
      assert.ok(Buffer.from(await ranged.arrayBuffer()).equals(large.subarray(5 * MiB, 5 * MiB + 100)));
      assert.equal((await stored()).filter((k) => k.startsWith('blobs/')).length, 4, 'two layers, a config and the manifest');

      const deleted = await client.request('DELETE', `/v2/${repo}/manifests/${digest}`);
      assert.equal(deleted.status, 202, await deleted.text());
      const result = await runGc(server.url, { delete_untagged: true });
      assert.equal(result.status, 'Success');
      assert.deepEqual(await stored(), []);
      assert.equal((await client.request('GET', `/v2/${repo}/blobs/${layers[0]?.digest ?? ''}`)).status, 404);
    });
  });
}
