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

    /** The S3 requests `work` makes, by operation, sorted. */
    async function requestsOf(work: () => Promise<unknown>): Promise<string[]> {
      if (!s3) throw new Error('s3rver is not running');
      s3.requests.length = 0;
      await work();
      return [...s3.requests].sort();
    }

    it('stores a blob pushed in one request with seven S3 requests, and the empty blob with no upload object', async () => {
      const repo = 'library/counted';
      const data = randomBytes(MiB);
      // Open the upload's writer (one listing), store the chunk, look for the blob inside the
      // transaction that links it, move it in place (listing, copy, deleting the chunk), and
      // delete what is left of the upload (one listing). Nothing to flush: a stored chunk is durable.
      assert.deepEqual(await requestsOf(() => client.pushBlob(repo, data)), [
        'CopyObject',
        'DeleteObjects',
        'HeadObject',
        'ListObjects',
        'ListObjects',
        'ListObjects',
        'PutObject',
      ]);
      const pulled = await client.request('GET', `/v2/${repo}/blobs/${sha256(data)}`);
      assert.ok(Buffer.from(await pulled.arrayBuffer()).equals(data));

      const empty = sha256(Buffer.alloc(0));
      const start = await client.request('POST', `/v2/${repo}/blobs/uploads/`);
      const location = start.headers.get('location') ?? '';
      const done = await client.request('PUT', `${location}${location.includes('?') ? '&' : '?'}digest=${empty}`);
      assert.equal(done.status, 201, await done.text());
      const head = await client.request('HEAD', `/v2/${repo}/blobs/${empty}`);
      assert.equal(head.headers.get('content-length'), '0');
      assert.deepEqual(
        (await stored()).filter((k) => k.startsWith('uploads/')),
        [],
      );
    });

    it('pushes an image in chunks, pulls it back byte for byte, and leaves no blob behind once deleted and collected', async () => {
      const repo = 'library/on-s3';
      const blobsBefore = (await stored()).filter((k) => k.startsWith('blobs/')).length;
      // One layer in chunks below S3's 5 MiB part minimum, one in chunks above it.
      const small = randomBytes(7 * MiB + 11);
      const large = randomBytes(13 * MiB + 5);
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
      const layers = [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: await pushChunked(repo, small, 3 * MiB), size: small.length }];
      // Chunks of 5 MiB or more are joined inside S3: their bytes do not come back through Berth.
      const joined = await requestsOf(async () =>
        layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: await pushChunked(repo, large, 6 * MiB), size: large.length }),
      );
      assert.equal(joined.filter((op) => op === 'UploadPartCopy').length, 3, joined.join(' '));
      assert.ok(!joined.includes('GetObject'), joined.join(' '));
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
      assert.equal((await stored()).filter((k) => k.startsWith('blobs/')).length - blobsBefore, 4, 'two layers, a config and the manifest');

      const deleted = await client.request('DELETE', `/v2/${repo}/manifests/${digest}`);
      assert.equal(deleted.status, 202, await deleted.text());
      const result = await runGc(server.url, { delete_untagged: true });
      assert.equal(result.status, 'Success');
      assert.deepEqual(await stored(), []);
      assert.equal((await client.request('GET', `/v2/${repo}/blobs/${layers[0]?.digest ?? ''}`)).status, 404);
    });
  });
}
