import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sendfileStatus } from '../platform/storage/index.js';
import { createProject } from '../projects/index.js';
import { testDialects } from '../testing/dialects.js';
import { errorCode, OCI_MANIFEST, sha256, TestClient } from '../testing/client.js';
import { startTestServer, type TestServer } from '../testing/server.js';

for (const dialect of testDialects()) {
  describe(`pull (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;
    let anonymous: TestClient;
    let image: { digest: string; manifest: { layers: Array<{ digest: string; size: number }> } };
    const layer = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');

    before(async () => {
      server = await startTestServer(dialect);
      client = new TestClient(server.url);
      anonymous = new TestClient(server.url, null);
      image = await client.pushImage('library/app', 'v1', layer);
      await createProject(server.database.db, { name: 'private', ownerId: 1, public: false, now: Date.now() });
      await client.pushImage('private/secret', 'v1');
    });
    after(() => server.close());

    describe('GET /v2/', () => {
      it('challenges anonymous callers with the token realm', async () => {
        const res = await fetch(`${server.url}/v2/`);
        assert.equal(res.status, 401);
        assert.equal(await errorCode(res), 'UNAUTHORIZED');
        assert.equal(res.headers.get('www-authenticate'), `Bearer realm="${server.url}/service/token",service="berth-registry"`);
        assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
      });
      it('answers 200 to a token or to Basic credentials', async () => {
        assert.equal((await client.request('GET', '/v2/', { scope: 'repository:library/app:pull' })).status, 200);
        const res = await fetch(`${server.url}/v2/`, { headers: { authorization: `Basic ${Buffer.from('admin:Harbor12345-test').toString('base64')}` } });
        assert.equal(res.status, 200);
      });
      it('rejects wrong Basic credentials and forged tokens with 401', async () => {
        const bad = await fetch(`${server.url}/v2/`, { headers: { authorization: `Basic ${Buffer.from('admin:wrong-password').toString('base64')}` } });
        assert.equal(bad.status, 401);
        const forged = await fetch(`${server.url}/v2/`, { headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.' } });
        assert.equal(forged.status, 401);
      });
    });

    describe('GET /v2/<name>/manifests/<reference>', () => {
      it('returns the manifest by tag with its digest and media type', async () => {
        const res = await client.request('GET', '/v2/library/app/manifests/v1', { headers: { accept: OCI_MANIFEST } });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('docker-content-digest'), image.digest);
        assert.equal(res.headers.get('content-type'), OCI_MANIFEST);
        const body = Buffer.from(await res.arrayBuffer());
        assert.equal(sha256(body), image.digest);
        assert.equal(Number(res.headers.get('content-length')), body.length);
      });
      it('returns the same bytes by digest', async () => {
        const res = await client.request('GET', `/v2/library/app/manifests/${image.digest}`);
        assert.equal(res.status, 200);
        assert.equal(sha256(Buffer.from(await res.arrayBuffer())), image.digest);
      });
      it('answers HEAD with headers and no body', async () => {
        const res = await client.request('HEAD', '/v2/library/app/manifests/v1');
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('docker-content-digest'), image.digest);
        assert.equal((await res.arrayBuffer()).byteLength, 0);
      });
      it('returns MANIFEST_UNKNOWN for an unknown tag or digest', async () => {
        const tag = await client.request('GET', '/v2/library/app/manifests/nope');
        assert.equal(tag.status, 404);
        assert.equal(await errorCode(tag), 'MANIFEST_UNKNOWN');
        const digest = await client.request('HEAD', `/v2/library/app/manifests/${sha256('missing')}`);
        assert.equal(digest.status, 404);
      });
      it('refuses when Accept excludes the stored media type', async () => {
        const res = await client.request('GET', '/v2/library/app/manifests/v1', {
          headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
        });
        assert.equal(res.status, 404);
        assert.equal(await errorCode(res), 'MANIFEST_UNKNOWN');
      });
      it('rejects a malformed digest reference with DIGEST_INVALID', async () => {
        const res = await client.request('GET', '/v2/library/app/manifests/sha256:abc');
        assert.equal(res.status, 400);
        assert.equal(await errorCode(res), 'DIGEST_INVALID');
      });
      it('rejects an invalid repository name with NAME_INVALID', async () => {
        const res = await client.request('GET', '/v2/library/App_/manifests/v1');
        assert.equal(res.status, 400);
        assert.equal(await errorCode(res), 'NAME_INVALID');
      });
    });

    describe('GET /v2/<name>/blobs/<digest>', () => {
      it('streams the blob with its digest and length', async () => {
        const res = await client.request('GET', `/v2/library/app/blobs/${sha256(layer)}`);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('docker-content-digest'), sha256(layer));
        assert.deepEqual(Buffer.from(await res.arrayBuffer()), layer);
      });
      it('sends a large blob whole and by range, by sendfile where the native module is built', async () => {
        const big = randomBytes(3 * 1024 * 1024 + 11);
        const digest = await client.pushBlob('library/app', big);
        const before = sendfileStatus().started;
        const res = await client.request('GET', `/v2/library/app/blobs/${digest}`);
        assert.equal(res.status, 200);
        assert.equal(Number(res.headers.get('content-length')), big.length);
        assert.equal(sha256(Buffer.from(await res.arrayBuffer())), digest);
        const ranged = await client.request('GET', `/v2/library/app/blobs/${digest}`, { headers: { range: 'bytes=1000-2000999' } });
        assert.equal(ranged.status, 206);
        assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), big.subarray(1000, 2001000));
        if (sendfileStatus().available) assert.equal(sendfileStatus().started, before + 2, 'both went by sendfile');
      });
      it('answers HEAD with Content-Length', async () => {
        const res = await client.request('HEAD', `/v2/library/app/blobs/${sha256(layer)}`);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('content-length'), String(layer.length));
      });
      it('serves a Range with 206 and Content-Range', async () => {
        const res = await client.request('GET', `/v2/library/app/blobs/${sha256(layer)}`, { headers: { range: 'bytes=10-19' } });
        assert.equal(res.status, 206);
        assert.equal(res.headers.get('content-range'), `bytes 10-19/${layer.length}`);
        assert.equal(Buffer.from(await res.arrayBuffer()).toString(), 'abcdefghij');
        const suffix = await client.request('GET', `/v2/library/app/blobs/${sha256(layer)}`, { headers: { range: 'bytes=-6' } });
        assert.equal(Buffer.from(await suffix.arrayBuffer()).toString(), 'uvwxyz');
      });
      it('answers 416 to an unsatisfiable range', async () => {
        const res = await client.request('GET', `/v2/library/app/blobs/${sha256(layer)}`, { headers: { range: 'bytes=500-600' } });
        assert.equal(res.status, 416);
        assert.equal(res.headers.get('content-range'), `bytes */${layer.length}`);
      });
      it('returns BLOB_UNKNOWN for a blob the repository does not hold', async () => {
        const missing = await client.request('GET', `/v2/library/app/blobs/${sha256('nothing')}`);
        assert.equal(missing.status, 404);
        assert.equal(await errorCode(missing), 'BLOB_UNKNOWN');
        // Stored for another repository is not the same as visible here.
        const elsewhere = await client.request('HEAD', `/v2/library/other/blobs/${sha256(layer)}`);
        assert.equal(elsewhere.status, 404);
      });
    });

    describe('access', () => {
      it('lets anonymous callers pull from a public project', async () => {
        const res = await anonymous.request('GET', '/v2/library/app/manifests/v1', { scope: 'repository:library/app:pull' });
        assert.equal(res.status, 200);
      });
      it('grants anonymous callers nothing on a private project', async () => {
        const token = await anonymous.token('repository:private/secret:pull');
        const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { access: Array<{ actions: string[] }> };
        assert.deepEqual(claims.access[0]!.actions, []);
        const res = await anonymous.request('GET', '/v2/private/secret/manifests/v1', { scope: 'repository:private/secret:pull' });
        assert.equal(res.status, 401);
        assert.match(res.headers.get('www-authenticate') ?? '', /scope="repository:private\/secret:pull"/);
      });
      it('does not let a token for one repository read another', async () => {
        const token = await client.token('repository:library/app:pull');
        const res = await fetch(`${server.url}/v2/private/secret/manifests/v1`, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(res.status, 401);
        assert.match(res.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
      });
    });
  });
}
