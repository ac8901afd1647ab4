import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorCode, OCI_INDEX, OCI_MANIFEST, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';

for (const dialect of testDialects()) {
  describe(`content management (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;

    before(async () => {
      server = await startTestServer(dialect);
      client = new TestClient(server.url);
    });
    after(() => server.close());

    async function tagList(name: string): Promise<string[]> {
      return ((await (await client.request('GET', `/v2/${name}/tags/list`)).json()) as { tags: string[] }).tags;
    }

    it('deletes a tag and keeps the manifest reachable by digest', async () => {
      const { digest, manifest } = await client.pushImage('library/del', 'one');
      await client.pushManifest('library/del', 'two', manifest);
      const res = await client.request('DELETE', '/v2/library/del/manifests/one');
      assert.equal(res.status, 202);
      assert.deepEqual(await tagList('library/del'), ['two']);
      assert.equal((await client.request('GET', `/v2/library/del/manifests/${digest}`)).status, 200);
      assert.equal((await client.request('GET', '/v2/library/del/manifests/one')).status, 404);
    });

    it('deletes a manifest by digest together with its tags', async () => {
      const { digest } = await client.pushImage('library/del2', 'gone');
      const res = await client.request('DELETE', `/v2/library/del2/manifests/${digest}`);
      assert.equal(res.status, 202);
      assert.equal((await client.request('GET', `/v2/library/del2/manifests/${digest}`)).status, 404);
      assert.equal((await client.request('GET', '/v2/library/del2/manifests/gone')).status, 404);
      assert.deepEqual(await tagList('library/del2'), []);
    });

    it('answers MANIFEST_UNKNOWN when deleting what is not there', async () => {
      await client.pushImage('library/del3', 'x');
      const res = await client.request('DELETE', '/v2/library/del3/manifests/nope');
      assert.equal(res.status, 404);
      assert.equal(await errorCode(res), 'MANIFEST_UNKNOWN');
    });

    it('refuses to delete a manifest an index still lists', async () => {
      const child = await client.pushImage('library/del4', 'child');
      const index = {
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [{ mediaType: OCI_MANIFEST, digest: child.digest, size: JSON.stringify(child.manifest).length }],
      };
      const parent = await client.pushManifest('library/del4', 'index', index, OCI_INDEX);
      const refused = await client.request('DELETE', `/v2/library/del4/manifests/${child.digest}`);
      assert.equal(refused.status, 403);
      assert.equal((await client.request('GET', `/v2/library/del4/manifests/${child.digest}`)).status, 200);
      assert.equal((await client.request('DELETE', `/v2/library/del4/manifests/${parent.digest}`)).status, 202);
      assert.equal((await client.request('DELETE', `/v2/library/del4/manifests/${child.digest}`)).status, 202);
    });

    it('deletes a blob from a repository', async () => {
      const digest = await client.pushBlob('library/blobdel', Buffer.from('to be deleted'));
      const res = await client.request('DELETE', `/v2/library/blobdel/blobs/${digest}`);
      assert.equal(res.status, 202);
      assert.equal((await client.request('HEAD', `/v2/library/blobdel/blobs/${digest}`)).status, 404);
      const again = await client.request('DELETE', `/v2/library/blobdel/blobs/${digest}`);
      assert.equal(again.status, 404);
      assert.equal(await errorCode(again), 'BLOB_UNKNOWN');
    });

    it('requires the delete permission', async () => {
      const { digest } = await client.pushImage('library/keep', 'v1');
      const pusher = await client.request('DELETE', `/v2/library/keep/manifests/${digest}`, { scope: 'repository:library/keep:pull,push' });
      assert.equal(pusher.status, 401);
      const anonymous = await fetch(`${server.url}/v2/library/keep/manifests/${digest}`, { method: 'DELETE' });
      assert.equal(anonymous.status, 401);
      assert.equal((await client.request('GET', `/v2/library/keep/manifests/${digest}`)).status, 200);
    });

    it('records pushes, pulls and deletes in the audit log with who and from where', async () => {
      const { digest } = await client.pushImage('library/audited', 'v1');
      assert.equal((await client.request('GET', '/v2/library/audited/manifests/v1')).status, 200);
      assert.equal((await client.request('DELETE', `/v2/library/audited/manifests/${digest}`)).status, 202);
      // Pull entries are written in batches every few seconds.
      await new Promise((resolve) => setTimeout(resolve, 3500));
      const rows = await server.database.db
        .selectFrom('audit_logs')
        .select(['operation', 'resource', 'username', 'client_ip', 'resource_type'])
        .where('resource', 'like', 'library/audited%')
        .orderBy('id')
        .execute();
      assert.deepEqual(
        rows.map((r) => [r.operation, r.resource_type, r.resource, r.username]),
        [
          ['create', 'artifact', 'library/audited:v1', 'admin'],
          ['delete', 'artifact', `library/audited@${digest}`, 'admin'],
          ['pull', 'artifact', 'library/audited:v1', 'admin'],
        ],
      );
      assert.ok(rows.every((r) => r.client_ip === '127.0.0.1'));
    });

    it('answers 405 to a method an endpoint does not support', async () => {
      const res = await client.request('POST', '/v2/library/keep/manifests/v1');
      assert.equal(res.status, 405);
    });
  });
}
