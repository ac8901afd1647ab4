import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { findSchedule } from '../platform/jobs/index.js';
import { uploadPath } from '../platform/storage/index.js';
import { PURGE_UPLOAD_FILES_CRON, PURGE_UPLOAD_FILES_VENDOR, purgeUploadFiles } from './purge-upload-files.js';

for (const dialect of testDialects()) {
  describe(`upload files left without an upload (${dialect.name})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer(dialect);
    });
    after(() => server.close());

    it('go with the hourly sweep, while the bytes of uploads still open stay', async () => {
      const client = new TestClient(server.url);
      const opened = await client.request('POST', '/v2/library/sweep/blobs/uploads/');
      assert.equal(opened.status, 202);
      const location = opened.headers.get('location')!;
      const chunk = await client.request('PATCH', location, {
        body: new Uint8Array(Buffer.from('still uploading')),
        headers: { 'content-type': 'application/octet-stream' },
      });
      assert.equal(chunk.status, 202);
      const open = new URL(location, server.url).pathname.split('/').pop()!;

      // What an instance that died between deleting two uploads' rows and their bytes leaves.
      const left = [randomUUID(), randomUUID()];
      for (const id of left) await server.storage.putContent(uploadPath(id), Buffer.from(`bytes of ${id}`));

      assert.equal(await purgeUploadFiles(server), 2);
      for (const id of left) assert.equal(await server.storage.stat(uploadPath(id)), undefined);
      assert.deepEqual(await server.storage.stat(uploadPath(open)), { size: 'still uploading'.length });
      const status = await client.request('GET', location);
      assert.equal(status.status, 204);
      assert.equal(status.headers.get('range'), `0-${'still uploading'.length - 1}`);
      assert.equal(await purgeUploadFiles(server), 0, 'nothing left to remove');
    });

    it('is a system schedule every worker keeps', async () => {
      assert.equal((await findSchedule(server.database.db, PURGE_UPLOAD_FILES_VENDOR))?.cron, PURGE_UPLOAD_FILES_CRON);
    });
  });
}
