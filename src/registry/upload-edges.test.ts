import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { errorCode, sha256, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { eventually } from '../testing/wait.js';

/** Descriptors this process holds open under the server's upload directory. */
function openUploadFiles(dataDir: string): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(dataDir) && readlinkSync(`/proc/self/fd/${fd}`).includes('upload')) count++;
    } catch {
      // closed while listed
    }
  }
  return count;
}

// With storage.digestThread the upload's bytes are hashed from the file as it grows: a cut-off
// write and its resumption must leave that hash exact too.
for (const [dialect, digestThread] of testDialects().flatMap((d) => [[d, false] as const, [d, true] as const])) {
  describe(`upload edge cases (${dialect.name}${digestThread ? ', digest thread' : ''})`, () => {
    let server: TestServer;
    let client: TestClient;

    before(async () => {
      server = await startTestServer(dialect, { storage: { digestThread } });
      client = new TestClient(server.url);
    });
    after(() => server.close());

    /** A PATCH that declares `declared` bytes, sends `sent` of them, and drops the connection. */
    async function cutOffPatch(location: string, declared: number, sent: Buffer): Promise<void> {
      const token = await client.token(`repository:${location.split('/').slice(2, -3).join('/')}:pull,push`);
      const url = new URL(server.url);
      const socket = connect(Number(url.port), url.hostname);
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      socket.write(
        `PATCH ${location} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\n` +
          `Content-Type: application/octet-stream\r\nContent-Length: ${declared}\r\n\r\n`,
      );
      await new Promise<void>((resolve) => socket.write(sent, () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.destroy();
    }

    /** Sends a blob request's headers (declaring 1 MiB) and 10 KiB of its body, then hangs up after `delayMs`. */
    async function hangUpAfterHeaders(requestLine: string, repository: string, delayMs: number): Promise<void> {
      const token = await client.token(`repository:${repository}:pull,push`);
      const url = new URL(server.url);
      const socket = connect(Number(url.port), url.hostname);
      socket.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      socket.write(
        `${requestLine} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\n` +
          `Content-Type: application/octet-stream\r\nContent-Length: ${1024 * 1024}\r\n\r\n`,
      );
      socket.write(Buffer.alloc(10 * 1024));
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      socket.destroy();
    }

    async function uploadedSize(location: string): Promise<number | undefined> {
      const res = await client.request('GET', location);
      if (res.status !== 204) return undefined;
      return Number(res.headers.get('range')!.split('-')[1]) + 1;
    }

    it('closing an upload with the empty blob digest and no PATCH stores the empty blob', async () => {
      const empty = sha256(Buffer.alloc(0));
      const location = await client.startUpload('library/empty');
      const res = await client.request('PUT', `${location}?digest=${empty}`);
      assert.equal(res.status, 201, await res.text());
      const head = await client.request('HEAD', `/v2/library/empty/blobs/${empty}`);
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), '0');

      // The wrong digest for an empty upload is DIGEST_INVALID, not a 500.
      const other = await client.startUpload('library/empty');
      const wrong = await client.request('PUT', `${other}?digest=${sha256('x')}`);
      assert.equal(wrong.status, 400);
      assert.equal(await errorCode(wrong), 'DIGEST_INVALID');
    });

    it('a cut-off PATCH releases its upload and file: resume from the offset given, then close', async () => {
      const data = randomBytes(256 * 1024);
      const location = await client.startUpload('library/cut');
      await cutOffPatch(location, data.length, data.subarray(0, 100 * 1024));
      const offset = await eventually(async () => {
        const size = await uploadedSize(location);
        // The status answers only once the cut request let the upload go.
        const resumed = await client.request('PATCH', location, {
          body: new Uint8Array(data.subarray(size ?? 0)),
          headers: { 'content-type': 'application/octet-stream', 'content-range': `${size ?? 0}-${data.length - 1}` },
        });
        const text = await resumed.text();
        if (resumed.status === 202) return size ?? 0;
        assert.ok(resumed.status < 500, `resume: ${resumed.status} ${text}`);
        return undefined;
        // Generous: on a loaded machine the server may notice the cut connection late.
      }, 15_000);
      assert.ok(offset <= 100 * 1024);
      const done = await client.request('PUT', `${location}?digest=${sha256(data)}`);
      assert.equal(done.status, 201, await done.text());
      assert.equal(openUploadFiles(server.dataDir), 0);
    });

    it('a client that hangs up while its blob request waits on the database never takes the server down', async () => {
      // Hanging up at once lands while the handler still awaits the database, before it reads
      // the body: the moment a body with no reader yet fails. PATCH, the closing PUT and a
      // monolithic POST each read a body that way.
      const digest = sha256('never sent');
      for (const delayMs of [0, 0, 0, 1, 2, 5]) {
        const patched = await client.startUpload('library/hangup');
        await hangUpAfterHeaders(`PATCH ${patched}`, 'library/hangup', delayMs);
        const closed = await client.startUpload('library/hangup');
        await hangUpAfterHeaders(`PUT ${closed}?digest=${digest}`, 'library/hangup', delayMs);
        await hangUpAfterHeaders(`POST /v2/library/hangup/blobs/uploads/?digest=${digest}`, 'library/hangup', delayMs);
      }
      // Still serving, and an upload after them all goes through.
      const data = randomBytes(4096);
      const location = await client.startUpload('library/hangup');
      const done = await client.request('PUT', `${location}?digest=${sha256(data)}`, {
        body: new Uint8Array(data),
        headers: { 'content-type': 'application/octet-stream' },
      });
      assert.equal(done.status, 201, await done.text());
    });

    it('a cut-off PATCH leaves its upload cancellable and no file handle open', async () => {
      const location = await client.startUpload('library/cut');
      await cutOffPatch(location, 1024 * 1024, randomBytes(10 * 1024));
      await eventually(async () => {
        const res = await client.request('DELETE', location);
        await res.text();
        return res.status === 204 ? true : undefined;
      }, 5_000);
      assert.equal((await client.request('GET', location)).status, 404);
      await eventually(async () => (openUploadFiles(server.dataDir) === 0 ? true : undefined), 5_000);
    });
  });
}
