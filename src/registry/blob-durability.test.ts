/**
 * A blob is durable before it is visible under its digest: with fsync on, the upload's bytes
 * are committed (fsync) before the move that puts them at the blob's path, whichever way the
 * client uploads. A crash of the machine right after the 201 then loses nothing acknowledged.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FileWriter, StorageDriver } from '../platform/storage/index.js';
import { sha256, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { ForwardingStorage } from '../testing/forwarding-storage.js';
import { startTestServer, type TestServer } from '../testing/server.js';

const REPO = 'library/durable';

/** Records, in order, each writer opened, committed or closed, and each move. */
class RecordingStorage extends ForwardingStorage {
  readonly events: string[] = [];
  constructor(inner: StorageDriver) {
    super(inner);
  }
  override async writer(path: string, options: { append: boolean }): Promise<FileWriter> {
    const inner = await super.writer(path, options);
    const events = this.events;
    events.push(`open ${path}`);
    return {
      get size() {
        return inner.size;
      },
      write: (source) => inner.write(source),
      truncate: (size) => inner.truncate(size),
      async commit() {
        await inner.commit();
        events.push(`commit ${path}`);
      },
      async close() {
        await inner.close();
        events.push(`close ${path}`);
      },
    };
  }
  override async move(from: string, to: string): Promise<void> {
    await super.move(from, to);
    this.events.push(`move ${from} ${to}`);
  }
}

for (const dialect of testDialects()) {
  describe(`blob uploads are committed before they become visible (${dialect.name})`, () => {
    let server: TestServer;
    let storage: RecordingStorage;
    let client: TestClient;

    before(async () => {
      server = await startTestServer(dialect, { storage: { fsync: true } }, undefined, {
        storage: (driver) => (storage = new RecordingStorage(driver)),
      });
      client = new TestClient(server.url);
    });
    after(() => server.close());

    /** What happened to the upload whose bytes were moved to `digest`'s path, in order. */
    function history(digest: string): string[] {
      const move = storage.events.find((e) => e.startsWith('move ') && e.includes(digest.slice('sha256:'.length)));
      assert.ok(move, `no move of ${digest} in ${JSON.stringify(storage.events)}`);
      const uploadPath = move.split(' ')[1]!;
      return storage.events.filter((e) => e.split(' ')[1] === uploadPath).map((e) => e.split(' ')[0]!);
    }

    it('a monolithic upload (POST with the digest) is committed by its one write, then moved', async () => {
      const data = randomBytes(70_000);
      await client.pushBlob(REPO, data);
      assert.deepEqual(history(sha256(data)), ['open', 'commit', 'move']);
    });

    it('a PUT that carries the last bytes commits them in its write, then moves them', async () => {
      const data = randomBytes(50_000);
      const digest = sha256(data);
      const started = await client.request('POST', `/v2/${REPO}/blobs/uploads/`);
      assert.equal(started.status, 202);
      const location = started.headers.get('location')!;
      const patched = await client.request('PATCH', location, {
        body: data.subarray(0, 20_000),
        headers: { 'content-type': 'application/octet-stream', 'content-range': '0-19999' },
      });
      assert.equal(patched.status, 202);
      const put = await client.request('PUT', `${patched.headers.get('location')!}${patched.headers.get('location')!.includes('?') ? '&' : '?'}digest=${digest}`, {
        body: data.subarray(20_000),
        headers: { 'content-type': 'application/octet-stream' },
      });
      assert.equal(put.status, 201, await put.text());
      // The PATCH closes its writer without a promise; the PUT's write commits all of the file.
      assert.deepEqual(history(digest), ['open', 'close', 'open', 'commit', 'move']);
    });

    it('a PUT without a body flushes what the PATCHes wrote before the move', async () => {
      const data = randomBytes(30_000);
      const digest = sha256(data);
      const started = await client.request('POST', `/v2/${REPO}/blobs/uploads/`);
      const location = started.headers.get('location')!;
      const patched = await client.request('PATCH', location, { body: data, headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(patched.status, 202);
      const closing = patched.headers.get('location')!;
      const put = await client.request('PUT', `${closing}${closing.includes('?') ? '&' : '?'}digest=${digest}`);
      assert.equal(put.status, 201, await put.text());
      assert.deepEqual(history(digest), ['open', 'close', 'open', 'commit', 'move']);
    });

    it('the blob reads back whole after each kind of upload', async () => {
      const data = randomBytes(64_000);
      const digest = await client.pushBlob(REPO, data);
      const res = await client.request('GET', `/v2/${REPO}/blobs/${digest}`);
      assert.equal(res.status, 200);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), data);
    });
  });
}
