import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorCode, OCI_MANIFEST, sha256, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';

interface ErrorBody {
  errors: Array<{ code: string; message: string }>;
}

/** The `scope` of a Bearer challenge, as a client reads it. */
function challengeScope(res: Response): string {
  const header = res.headers.get('www-authenticate') ?? '';
  const scope = /scope="([^"]*)"/.exec(header)?.[1];
  assert.ok(scope, `no scope in the challenge: ${header}`);
  return scope;
}

for (const dialect of testDialects()) {
  describe(`answers clients act on (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;

    before(async () => {
      server = await startTestServer(dialect);
      client = new TestClient(server.url);
      await client.pushImage('library/answers', 'v1');
    });
    after(() => server.close());

    it('GET and HEAD of a manifest by a reference that is no valid tag answer 404 MANIFEST_UNKNOWN; only PUT answers 400', async () => {
      // The reference the OCI conformance suite pulls to see a 404.
      const reference = '.INVALID_MANIFEST_NAME';
      const get = await client.request('GET', `/v2/library/answers/manifests/${reference}`);
      assert.equal(get.status, 404);
      assert.equal(await errorCode(get), 'MANIFEST_UNKNOWN');
      const head = await client.request('HEAD', `/v2/library/answers/manifests/${reference}`);
      assert.equal(head.status, 404);
      const removal = await client.request('DELETE', `/v2/library/answers/manifests/${reference}`);
      assert.equal(removal.status, 404);
      assert.equal(await errorCode(removal), 'MANIFEST_UNKNOWN');
      const put = await client.request('PUT', `/v2/library/answers/manifests/${reference}`, { body: '{}', headers: { 'content-type': OCI_MANIFEST } });
      assert.equal(put.status, 400);
      assert.equal((await client.request('GET', '/v2/library/answers/manifests/v1')).status, 200);
    });

    it('the 401 challenge for a mount with from names pull on the source, and a token for its scope mounts (201)', async () => {
      const digest = await client.pushBlob('library/mount-source', Buffer.from('a layer to mount'));
      const path = `/v2/library/mount-target/blobs/uploads/?mount=${digest}&from=library/mount-source`;
      const challenged = await fetch(`${server.url}${path}`, { method: 'POST' });
      assert.equal(challenged.status, 401);
      const scope = challengeScope(challenged);
      assert.deepEqual(scope.split(' ').sort(), ['repository:library/mount-source:pull', 'repository:library/mount-target:pull,push']);
      // What a client does with the challenge: a token for exactly its scope, and the request again.
      const mounted = await client.request('POST', path, { scope });
      assert.equal(mounted.status, 201, await mounted.text());
      assert.equal(mounted.headers.get('location'), `/v2/library/mount-target/blobs/${digest}`);
      assert.equal((await client.request('HEAD', `/v2/library/mount-target/blobs/${digest}`)).status, 200);
    });

    it('a push to a name with no project answers 404 NAME_UNKNOWN from its first HEAD, and the POST names the fix', async () => {
      const digest = sha256('a layer pushed to host/app');
      // `docker push host/app` asks for this scope, then checks whether the layer is there.
      const scope = 'repository:app:pull,push';
      const head = await client.request('HEAD', `/v2/app/blobs/${digest}`, { scope });
      assert.equal(head.status, 404);
      const start = await client.request('POST', '/v2/app/blobs/uploads/', { scope });
      assert.equal(start.status, 404);
      const body = (await start.json()) as ErrorBody;
      assert.equal(body.errors[0]!.code, 'NAME_UNKNOWN');
      assert.match(body.errors[0]!.message, /no project/);
      assert.match(body.errors[0]!.message, /library\/app/);
      // Without signing in first, the same: such a name can never exist, there is nothing to hide.
      const anonymous = await fetch(`${server.url}/v2/app/blobs/${digest}`, { method: 'HEAD' });
      assert.equal(anonymous.status, 404);
      // A project that does not exist: its name, and an example that would work.
      const missing = await client.request('POST', '/v2/nosuchproject/app/blobs/uploads/');
      assert.equal(missing.status, 404);
      const missingBody = (await missing.json()) as ErrorBody;
      assert.equal(missingBody.errors[0]!.code, 'NAME_UNKNOWN');
      assert.match(missingBody.errors[0]!.message, /project "nosuchproject" does not exist/);
      assert.match(missingBody.errors[0]!.message, /library\/app/);
    });
  });
}
