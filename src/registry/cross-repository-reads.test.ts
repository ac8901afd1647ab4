import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addMember, addProject, addUser } from '../robots/fixtures.suite.js';
import { errorCode, sha256, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';

for (const dialect of testDialects()) {
  describe(`cross-repository reads and blob deletes (${dialect.name})`, () => {
    let server: TestServer;
    let admin: TestClient;
    let developer: TestClient;
    let secretLayer: string;

    before(async () => {
      server = await startTestServer(dialect);
      admin = new TestClient(server.url);
      const team = await addProject(server, 'team');
      developer = new TestClient(server.url, await addUser(server, 'dev'));
      await addMember(server, team, 'dev', 'developer', ['app']);
      const { manifest } = await admin.pushImage('team/secret', 'v1', Buffer.from('secret layer'));
      secretLayer = manifest.layers[0]!.digest;
      await admin.pushImage('team/app', 'v1', Buffer.from('app layer'));
    });
    after(() => server.close());

    it('mount without from takes only blobs of repositories the caller may pull', async () => {
      const scope = 'repository:team/app:pull,push repository:team/secret:pull';
      const mount = await developer.request('POST', `/v2/team/app/blobs/uploads/?mount=${secretLayer}`, { scope });
      assert.equal(mount.status, 202, 'an upload starts instead of a mount');
      assert.equal((await developer.request('HEAD', `/v2/team/app/blobs/${secretLayer}`, { scope })).status, 404);
      // Someone who may pull the holder mounts it.
      const allowed = await admin.request('POST', `/v2/team/other/blobs/uploads/?mount=${secretLayer}`, {
        scope: 'repository:team/other:pull,push repository:team/secret:pull',
      });
      assert.equal(allowed.status, 201);
    });

    it('DELETE of a blob an artifact of the repository references is refused, and the image stays whole', async () => {
      const { digest, manifest } = await admin.pushImage('team/locked', 'v1', Buffer.from('locked layer'));
      for (const blob of [manifest.layers[0]!.digest, manifest.config.digest]) {
        const res = await admin.request('DELETE', `/v2/team/locked/blobs/${blob}`);
        assert.equal(res.status, 403);
        assert.equal(await errorCode(res), 'DENIED');
        assert.equal((await admin.request('HEAD', `/v2/team/locked/blobs/${blob}`)).status, 200);
      }
      assert.equal((await admin.request('GET', `/v2/team/locked/manifests/${digest}`)).status, 200);
      // An unreferenced blob still deletes with 202.
      const loose = await admin.pushBlob('team/locked', Buffer.from('loose blob'));
      assert.equal(loose, sha256('loose blob'));
      assert.equal((await admin.request('DELETE', `/v2/team/locked/blobs/${loose}`)).status, 202);
      assert.equal((await admin.request('HEAD', `/v2/team/locked/blobs/${loose}`)).status, 404);
      // Once the artifact is gone, its layer deletes too.
      assert.equal((await admin.request('DELETE', `/v2/team/locked/manifests/${digest}`)).status, 202);
      assert.equal((await admin.request('DELETE', `/v2/team/locked/blobs/${manifest.layers[0]!.digest}`)).status, 202);
    });
  });
}
