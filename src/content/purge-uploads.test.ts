import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { uploadPath } from '../platform/storage/index.js';
import { findSchedule } from '../platform/jobs/index.js';
import { fireSystemSchedule } from '../testing/schedules.js';
import { PURGE_UPLOADS_CRON, PURGE_UPLOADS_VENDOR } from './purge-uploads.js';

for (const dialect of testDialects()) {
  describe(`abandoned uploads (${dialect.name})`, () => {
    let server: TestServer;
    let now = Date.now();
    const clock = { now: () => now };

    before(async () => {
      server = await startTestServer(dialect, { registry: { uploadTimeoutMinutes: 60 }, jobs: { pollIntervalMs: 50 } }, clock);
    });
    after(() => server.close());

    it('purges uploads idle past the timeout and keeps recent ones', async () => {
      const client = new TestClient(server.url);
      const stale = (await client.request('POST', '/v2/library/up/blobs/uploads/')).headers.get('location')!;
      await client.request('PATCH', stale, { body: 'old bytes' });
      now += 61 * 60 * 1000;
      // Tokens issued an hour ago have expired by now.
      const later = new TestClient(server.url);
      const fresh = (await later.request('POST', '/v2/library/up/blobs/uploads/')).headers.get('location')!;
      assert.equal((await findSchedule(server.database.db, PURGE_UPLOADS_VENDOR))?.cron, PURGE_UPLOADS_CRON);
      const run = await fireSystemSchedule(server.database, PURGE_UPLOADS_VENDOR, now);
      assert.equal(run.status, 'Success');
      assert.equal((await later.request('GET', stale)).status, 404);
      assert.equal(await server.storage.stat(uploadPath(stale.split('/').pop()!)), undefined);
      assert.equal((await later.request('GET', fresh)).status, 204);
    });
  });
}
