import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorCode, sha256, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';

const MINUTE = 60_000;

/**
 * One writer per upload across instances: the upload's row says which request writes it, so a
 * chunk sent to another instance meanwhile is refused (as a second one on the same instance is) instead of landing beside the first.
 */
for (const dialect of testDialects()) {
  describe(`one writer per upload, on every instance (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;
    let now = Date.now();

    before(async () => {
      server = await startTestServer(dialect, {}, { now: () => now });
      client = new TestClient(server.url);
    });
    after(() => server.close());

    const open = async (name: string): Promise<string> => {
      const res = await client.request('POST', `/v2/${name}/blobs/uploads/`);
      assert.equal(res.status, 202);
      return res.headers.get('location')!;
    };
    const idOf = (location: string) => new URL(location, server.url).pathname.split('/').pop()!;
    const patch = (location: string, bytes: Buffer, start: number) =>
      client.request('PATCH', location, {
        body: new Uint8Array(bytes),
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${start + bytes.length - 1}` },
      });
    /** What another instance leaves in the row while its request writes the upload. */
    const heldElsewhere = (id: string, until: number) =>
      server.database.db.updateTable('uploads').set({ writer: 'request-on-another-instance', writer_until: until }).where('id', '=', id).execute();

    it('a chunk for an upload another instance is writing is refused (BLOB_UPLOAD_INVALID, as on one instance); once that writer is gone past its hold, the upload goes on', async () => {
      const location = await open('library/held');
      const first = Buffer.from('first chunk;');
      const firstAnswer = await patch(location, first, 0);
      assert.equal(firstAnswer.status, 202);
      const next = firstAnswer.headers.get('location')!;

      await heldElsewhere(idOf(location), now + 2 * MINUTE);
      const refused = await patch(next, Buffer.from('second'), first.length);
      assert.equal(refused.status, 400);
      const body = (await refused.json()) as { errors: Array<{ code: string; message: string }> };
      assert.equal(body.errors[0]!.code, 'BLOB_UPLOAD_INVALID');
      assert.match(body.errors[0]!.message, /another request is writing this upload/);

      // The other instance died mid-write: its hold runs out and this request takes over.
      now += 3 * MINUTE;
      const second = Buffer.from(' second chunk');
      const secondAnswer = await patch(next, second, first.length);
      assert.equal(secondAnswer.status, 202, await secondAnswer.text());
      const whole = Buffer.concat([first, second]);
      const last = secondAnswer.headers.get('location')!;
      const done = await client.request('PUT', `${last}${last.includes('?') ? '&' : '?'}digest=${sha256(whole)}`);
      assert.equal(done.status, 201, await done.text());
      const pulled = await client.request('GET', `/v2/library/held/blobs/${sha256(whole)}`);
      assert.ok(Buffer.from(await pulled.arrayBuffer()).equals(whole));
    });

    it('a writer that lost the upload while it wrote publishes nothing, and the upload is gone', async () => {
      const location = await open('library/lost');
      const id = idOf(location);
      const bytes = Buffer.from('bytes this writer sent');
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(new Uint8Array(bytes.subarray(0, 5)));
          await gate;
          controller.enqueue(new Uint8Array(bytes.subarray(5)));
          controller.close();
        },
      });
      const finishing = client.request('PUT', `${location}${location.includes('?') ? '&' : '?'}digest=${sha256(bytes)}`, {
        body,
        headers: { 'content-type': 'application/octet-stream' },
      });
      // While the body is held back, the hold lapses and another request takes the upload.
      for (let i = 0; i < 100; i++) {
        const row = await server.database.db.selectFrom('uploads').select('writer').where('id', '=', id).executeTakeFirst();
        if (row?.writer) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      now += 3 * MINUTE;
      await heldElsewhere(id, now + 2 * MINUTE);
      release();
      const answer = await finishing;
      assert.equal(answer.status, 400);
      assert.match(await answer.text(), /took this upload over/);
      assert.equal((await client.request('HEAD', `/v2/library/lost/blobs/${sha256(bytes)}`)).status, 404, 'nothing was published');
      const status = await client.request('GET', location);
      assert.equal(status.status, 404);
      assert.equal(await errorCode(status), 'BLOB_UPLOAD_UNKNOWN');
    });
  });
}
