import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { errorCode, sha256, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { digestWorker } from '../platform/storage/filesystem/digest-worker.js';

for (const dialect of testDialects()) {
  describe(`pushes hashed on the digest thread (storage.digestThread, ${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;

    before(async () => {
      server = await startTestServer(dialect, { storage: { digestThread: true } });
      client = new TestClient(server.url);
    });
    after(() => server.close());

    async function patch(location: string, data: Buffer, start: number): Promise<void> {
      const res = await client.request('PATCH', location, {
        body: new Uint8Array(data),
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${start + data.length - 1}` },
      });
      assert.equal(res.status, 202, await res.text());
    }

    async function pulled(name: string, digest: string): Promise<Buffer> {
      const res = await client.request('GET', `/v2/${name}/blobs/${digest}`);
      assert.equal(res.status, 200);
      return Buffer.from(await res.arrayBuffer());
    }

    it('a blob pushed in one request pulls back byte for byte, its digest taken on the thread', async () => {
      const data = randomBytes(5 * 1024 * 1024 + 17);
      const given = digestWorker.given;
      const digest = await client.pushBlob('library/one', data);
      assert.equal(digestWorker.given, given + 1, 'the thread, not the event loop, hashed the upload');
      assert.equal(digest, sha256(data));
      assert.ok((await pulled('library/one', digest)).equals(data));
    });

    it('a blob pushed in chunks, then closed by an empty PUT, pulls back byte for byte', async () => {
      const data = randomBytes(7 * 1024 * 1024 + 5);
      const location = await client.startUpload('library/chunks');
      const cuts = [0, 1, 3 * 1024 * 1024, 3 * 1024 * 1024 + 65537, data.length];
      for (let i = 0; i + 1 < cuts.length; i++) await patch(location, data.subarray(cuts[i], cuts[i + 1]), cuts[i]!);
      const done = await client.request('PUT', `${location}?digest=${sha256(data)}`);
      assert.equal(done.status, 201, await done.text());
      assert.ok((await pulled('library/chunks', sha256(data))).equals(data));
    });

    it('a wrong digest is refused and nothing is stored under either digest', async () => {
      const data = randomBytes(3 * 1024 * 1024);
      const other = sha256(randomBytes(10));
      const location = await client.startUpload('library/wrong');
      await patch(location, data, 0);
      const done = await client.request('PUT', `${location}?digest=${other}`);
      assert.equal(done.status, 400);
      assert.equal(await errorCode(done), 'DIGEST_INVALID');
      for (const digest of [other, sha256(data)]) assert.equal((await client.request('HEAD', `/v2/library/wrong/blobs/${digest}`)).status, 404);
    });

    it('an upload that outlives the thread (stopped while idle) is hashed whole at its end', async () => {
      const first = randomBytes(9 * 1024 * 1024);
      const rest = randomBytes(2 * 1024 * 1024);
      const location = await client.startUpload('library/pause');
      await patch(location, first, 0);
      // Past the thread's idle time: it stops and forgets what it had hashed.
      await sleep(1500);
      await patch(location, rest, first.length);
      const data = Buffer.concat([first, rest]);
      const given = digestWorker.given;
      const done = await client.request('PUT', `${location}?digest=${sha256(data)}`);
      assert.equal(done.status, 201, await done.text());
      assert.equal(digestWorker.given, given + 1);
      assert.ok((await pulled('library/pause', sha256(data))).equals(data));
    });

    it('uploads running at once are each hashed on their own', async () => {
      const datas = Array.from({ length: 4 }, (_, i) => randomBytes(2 * 1024 * 1024 + i));
      const digests = await Promise.all(datas.map((data, i) => client.pushBlob(`library/many${i}`, data)));
      assert.deepEqual(
        digests,
        datas.map((data) => sha256(data)),
      );
    });
  });
}
