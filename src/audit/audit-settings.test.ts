import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';

for (const dialect of testDialects()) {
  describe(`skip_audit_log_database and disabled_audit_log_event_types (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;
    const configure = async (body: Record<string, unknown>) => expectJson(await api(server.url, 'PUT', '/configurations', { body }), 200);
    const rows = async (operation: string, resourceType: string) =>
      (await server.database.db.selectFrom('audit_logs').select('id').where('operation', '=', operation).where('resource_type', '=', resourceType).execute()).length;

    before(async () => {
      server = await startTestServer(dialect);
      client = new TestClient(server.url);
      await client.pushImage('library/app', 'v1');
    });
    after(() => server.close());

    it('writes no audit rows while skip_audit_log_database is on', async () => {
      const artifacts = await rows('create', 'artifact');
      await configure({ audit_log_forward_endpoint: 'syslog.example:514', skip_audit_log_database: true });
      await client.pushImage('library/app', 'v2');
      await expectJson(await api(server.url, 'POST', '/projects/library/repositories/app/artifacts/v1/tags', { body: { name: 'skipped' } }), 201);
      assert.equal(await rows('create', 'artifact'), artifacts);
      assert.equal(await rows('create', 'tag'), 0);
      await configure({ skip_audit_log_database: false });
      await client.pushImage('library/app', 'v3');
      assert.equal(await rows('create', 'artifact'), artifacts + 1);
    });

    it('leaves out the event types disabled_audit_log_event_types lists, and only those', async () => {
      await configure({ disabled_audit_log_event_types: 'create_tag, delete_project' });
      await expectJson(await api(server.url, 'POST', '/projects/library/repositories/app/artifacts/v1/tags', { body: { name: 'unrecorded' } }), 201);
      assert.equal(await rows('create', 'tag'), 0);
      await expectJson(await api(server.url, 'DELETE', '/projects/library/repositories/app/artifacts/v1/tags/unrecorded'), 200);
      assert.equal(await rows('delete', 'tag'), 1);
      await configure({ disabled_audit_log_event_types: '' });
      await expectJson(await api(server.url, 'POST', '/projects/library/repositories/app/artifacts/v1/tags', { body: { name: 'recorded' } }), 201);
      assert.equal(await rows('create', 'tag'), 1);
    });
  });
}
