import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createProject } from '../projects/index.js';
import { errorCode, OCI_INDEX, OCI_MANIFEST, sha256, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

for (const dialect of testDialects()) {
  describe(`push (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;

    before(async () => {
      server = await startTestServer(dialect, { registry: { maxManifestBytes: 64 * 1024 } });
      client = new TestClient(server.url);
    });
    after(() => server.close());

    async function head(name: string, digest: string): Promise<number> {
      return (await client.request('HEAD', `/v2/${name}/blobs/${digest}`)).status;
    }

    async function startUpload(name: string): Promise<string> {
      const res = await client.request('POST', `/v2/${name}/blobs/uploads/`);
      assert.equal(res.status, 202);
      assert.ok(res.headers.get('docker-upload-uuid'));
      assert.equal(res.headers.get('range'), '0-0');
      return res.headers.get('location')!;
    }

    function uploadsOnDisk(): string[] {
      try {
        return readdirSync(join(server.dataDir, 'storage', 'uploads'));
      } catch {
        return [];
      }
    }

    describe('POST then PUT (monolithic)', () => {
      it('stores the blob under its digest', async () => {
        const data = randomBytes(100_000);
        const location = await startUpload('library/mono');
        const res = await client.request('PUT', `${location}?digest=${sha256(data)}`, { body: data });
        assert.equal(res.status, 201);
        assert.equal(res.headers.get('location'), `/v2/library/mono/blobs/${sha256(data)}`);
        assert.equal(res.headers.get('docker-content-digest'), sha256(data));
        const back = await client.request('GET', `/v2/library/mono/blobs/${sha256(data)}`);
        assert.deepEqual(Buffer.from(await back.arrayBuffer()), data);
      });
      it('accepts a single POST with ?digest=', async () => {
        const data = randomBytes(5000);
        const res = await client.request('POST', `/v2/library/mono/blobs/uploads/?digest=${sha256(data)}`, { body: data });
        assert.equal(res.status, 201, await res.text());
        assert.equal(await head('library/mono', sha256(data)), 200);
      });
      it('accepts sha512 digests', async () => {
        const data = randomBytes(3000);
        const digest = `sha512:${createHash('sha512').update(data).digest('hex')}`;
        const res = await client.request('POST', `/v2/library/mono/blobs/uploads/?digest=${digest}`, { body: data });
        assert.equal(res.status, 201);
        assert.equal(res.headers.get('docker-content-digest'), digest);
        const back = await client.request('GET', `/v2/library/mono/blobs/${digest}`);
        assert.deepEqual(Buffer.from(await back.arrayBuffer()), data);
      });
      it('rejects a wrong digest with DIGEST_INVALID and stores nothing', async () => {
        const data = randomBytes(2000);
        const wrong = sha256('something else');
        const location = await startUpload('library/mono');
        const res = await client.request('PUT', `${location}?digest=${wrong}`, { body: data });
        assert.equal(res.status, 400);
        assert.equal(await errorCode(res), 'DIGEST_INVALID');
        assert.equal(await head('library/mono', wrong), 404);
        assert.equal(await head('library/mono', sha256(data)), 404);
      });
      it('rejects a malformed digest and a PUT without one', async () => {
        const location = await startUpload('library/mono');
        const malformed = await client.request('PUT', `${location}?digest=sha256:xyz`, { body: 'abc' });
        assert.equal(malformed.status, 400);
        assert.equal(await errorCode(malformed), 'DIGEST_INVALID');
        const other = await startUpload('library/mono');
        const missing = await client.request('PUT', other, { body: 'abc' });
        assert.equal(missing.status, 400);
        assert.equal(await errorCode(missing), 'DIGEST_INVALID');
      });
    });

    describe('PATCH (chunked and streamed)', () => {
      it('assembles ordered chunks and reports progress with Range', async () => {
        const data = randomBytes(300_000);
        let location = await startUpload('library/chunked');
        for (let offset = 0; offset < data.length; offset += 100_000) {
          const chunk = data.subarray(offset, offset + 100_000);
          const res = await client.request('PATCH', location, {
            body: chunk,
            headers: { 'content-range': `${offset}-${offset + chunk.length - 1}`, 'content-type': 'application/octet-stream' },
          });
          assert.equal(res.status, 202);
          assert.equal(res.headers.get('range'), `0-${offset + chunk.length - 1}`);
          location = res.headers.get('location')!;
        }
        const status = await client.request('GET', location);
        assert.equal(status.status, 204);
        assert.equal(status.headers.get('range'), `0-${data.length - 1}`);
        const done = await client.request('PUT', `${location}?digest=${sha256(data)}`);
        assert.equal(done.status, 201);
        const back = await client.request('GET', `/v2/library/chunked/blobs/${sha256(data)}`);
        assert.deepEqual(Buffer.from(await back.arrayBuffer()), data);
      });
      it('accepts a streamed PATCH without Content-Range, and a final chunk on PUT', async () => {
        const data = randomBytes(50_000);
        const location = await startUpload('library/chunked');
        const patch = await client.request('PATCH', location, { body: data.subarray(0, 30_000) });
        assert.equal(patch.status, 202);
        const done = await client.request('PUT', `${location}?digest=${sha256(data)}`, { body: data.subarray(30_000) });
        assert.equal(done.status, 201);
        assert.equal(await head('library/chunked', sha256(data)), 200);
      });
      it('answers 416 to an out-of-order chunk and keeps what was received', async () => {
        const location = await startUpload('library/chunked');
        await client.request('PATCH', location, { body: 'abcd', headers: { 'content-range': '0-3' } });
        const res = await client.request('PATCH', location, { body: 'ijkl', headers: { 'content-range': '8-11' } });
        assert.equal(res.status, 416);
        assert.equal(res.headers.get('range'), '0-3');
        const status = await client.request('GET', location);
        assert.equal(status.headers.get('range'), '0-3');
      });
      it('answers BLOB_UPLOAD_UNKNOWN for an unknown upload', async () => {
        const res = await client.request('PATCH', '/v2/library/chunked/blobs/uploads/00000000-0000-0000-0000-000000000000', { body: 'x' });
        assert.equal(res.status, 404);
        assert.equal(await errorCode(res), 'BLOB_UPLOAD_UNKNOWN');
        const status = await client.request('GET', '/v2/library/chunked/blobs/uploads/nope');
        assert.equal(status.status, 404);
      });
      it('cancels an upload with DELETE and forgets it', async () => {
        const location = await startUpload('library/chunked');
        await client.request('PATCH', location, { body: 'partial' });
        const id = location.split('/').pop()!;
        assert.ok(uploadsOnDisk().includes(id));
        assert.equal((await client.request('DELETE', location)).status, 204);
        assert.equal((await client.request('GET', location)).status, 404);
        assert.ok(!uploadsOnDisk().includes(id));
      });
    });

    describe('cross-repository mount', () => {
      it('mounts a blob from another readable repository with 201', async () => {
        const digest = await client.pushBlob('library/source', Buffer.from('shared layer'));
        const res = await client.request('POST', `/v2/library/target/blobs/uploads/?mount=${digest}&from=library/source`, {
          scope: 'repository:library/target:pull,push repository:library/source:pull',
        });
        assert.equal(res.status, 201);
        assert.equal(res.headers.get('location'), `/v2/library/target/blobs/${digest}`);
        assert.equal(await head('library/target', digest), 200);
      });
      it('does not mount from a repository the token does not grant pull on', async () => {
        const digest = await client.pushBlob('library/source', Buffer.from('guarded layer'));
        const res = await client.request('POST', `/v2/library/target2/blobs/uploads/?mount=${digest}&from=library/source`, {
          scope: 'repository:library/target2:pull,push',
        });
        assert.equal(res.status, 202);
        assert.equal(await head('library/target2', digest), 404);
      });
      it('mounts without from when the project already holds the blob', async () => {
        const digest = await client.pushBlob('library/source', Buffer.from('another shared layer'));
        const res = await client.request('POST', `/v2/library/elsewhere/blobs/uploads/?mount=${digest}`, {
          scope: 'repository:library/elsewhere:pull,push repository:library/source:pull',
        });
        assert.equal(res.status, 201);
      });
      it('starts a normal upload when the blob cannot be mounted', async () => {
        const res = await client.request('POST', `/v2/library/target/blobs/uploads/?mount=${sha256('unknown')}&from=library/source`);
        assert.equal(res.status, 202);
        assert.ok(res.headers.get('location'));
      });
    });

    describe('PUT /v2/<name>/manifests/<reference>', () => {
      it('stores an OCI image manifest by tag and answers its digest', async () => {
        const { digest, manifest } = await client.pushImage('library/img', 'v1');
        const body = JSON.stringify(manifest);
        assert.equal(digest, sha256(body));
        const res = await client.request('GET', '/v2/library/img/manifests/v1');
        assert.equal(await res.text(), body);
      });
      it('stores a manifest by digest', async () => {
        const { manifest } = await client.pushImage('library/img', 'tmp');
        const body = JSON.stringify({ ...manifest, annotations: { by: 'digest' } });
        const res = await client.request('PUT', `/v2/library/img/manifests/${sha256(body)}`, { body, headers: { 'content-type': OCI_MANIFEST } });
        assert.equal(res.status, 201);
        assert.equal(res.headers.get('docker-content-digest'), sha256(body));
        assert.equal(res.headers.get('location'), `/v2/library/img/manifests/${sha256(body)}`);
      });
      it('rejects a digest reference that does not match the body', async () => {
        const { manifest } = await client.pushImage('library/img', 'tmp2');
        const res = await client.request('PUT', `/v2/library/img/manifests/${sha256('other')}`, {
          body: JSON.stringify(manifest),
          headers: { 'content-type': OCI_MANIFEST },
        });
        assert.equal(res.status, 400);
        assert.equal(await errorCode(res), 'DIGEST_INVALID');
      });
      it('stores Docker schema2 manifests and manifest lists', async () => {
        const config = Buffer.from('{"architecture":"arm64","os":"linux"}');
        const layer = Buffer.from('docker layer');
        const configDigest = await client.pushBlob('library/docker', config);
        const layerDigest = await client.pushBlob('library/docker', layer);
        const manifest = {
          schemaVersion: 2,
          mediaType: DOCKER_MANIFEST,
          config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: configDigest, size: config.length },
          layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: layerDigest, size: layer.length }],
        };
        const { digest } = await client.pushManifest('library/docker', 'arm64', manifest, DOCKER_MANIFEST);
        const list = {
          schemaVersion: 2,
          mediaType: DOCKER_LIST,
          manifests: [{ mediaType: DOCKER_MANIFEST, digest, size: JSON.stringify(manifest).length, platform: { architecture: 'arm64', os: 'linux' } }],
        };
        await client.pushManifest('library/docker', 'latest', list, DOCKER_LIST);
        const res = await client.request('GET', '/v2/library/docker/manifests/latest', { headers: { accept: DOCKER_LIST } });
        assert.equal(res.headers.get('content-type'), DOCKER_LIST);
      });
      it('stores an OCI index whose children exist', async () => {
        const a = await client.pushImage('library/multi', 'amd64', Buffer.from('amd64 layer'));
        const b = await client.pushImage('library/multi', 'arm64', Buffer.from('arm64 layer'));
        const index = {
          schemaVersion: 2,
          mediaType: OCI_INDEX,
          manifests: [a, b].map((m) => ({ mediaType: OCI_MANIFEST, digest: m.digest, size: JSON.stringify(m.manifest).length })),
        };
        const { res } = await client.pushManifest('library/multi', 'latest', index, OCI_INDEX);
        assert.equal(res.status, 201);
      });
      it('answers MANIFEST_BLOB_UNKNOWN when a layer or child is missing, storing nothing', async () => {
        const config = Buffer.from('{}');
        const configDigest = await client.pushBlob('library/broken', config);
        const manifest = {
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: 2 },
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256('never uploaded'), size: 14 }],
        };
        const res = await client.request('PUT', '/v2/library/broken/manifests/v1', { body: JSON.stringify(manifest), headers: { 'content-type': OCI_MANIFEST } });
        assert.equal(res.status, 404);
        assert.equal(await errorCode(res), 'MANIFEST_BLOB_UNKNOWN');
        const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: sha256('no such manifest'), size: 10 }] };
        const res2 = await client.request('PUT', '/v2/library/broken/manifests/v2', { body: JSON.stringify(index), headers: { 'content-type': OCI_INDEX } });
        assert.equal(res2.status, 404);
        assert.equal(await errorCode(res2), 'MANIFEST_BLOB_UNKNOWN');
        assert.equal((await client.request('GET', '/v2/library/broken/manifests/v1')).status, 404);
        assert.equal((await client.request('GET', '/v2/library/broken/manifests/v2')).status, 404);
      });
      it('answers MANIFEST_INVALID to malformed JSON, wrong schema and mismatched media types', async () => {
        const cases: Array<[string, string]> = [
          ['{not json', OCI_MANIFEST],
          ['[]', OCI_MANIFEST],
          [JSON.stringify({ schemaVersion: 1, mediaType: OCI_MANIFEST }), OCI_MANIFEST],
          [JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { digest: 'nope' }, layers: [] }), OCI_MANIFEST],
          [JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] }), OCI_MANIFEST],
          [JSON.stringify({ schemaVersion: 2, layers: [] }), 'text/plain'],
        ];
        for (const [body, type] of cases) {
          const res = await client.request('PUT', '/v2/library/invalid/manifests/v1', { body, headers: { 'content-type': type } });
          assert.equal(res.status, 400, body);
          assert.equal(await errorCode(res), 'MANIFEST_INVALID', body);
        }
        assert.equal((await client.request('GET', '/v2/library/invalid/manifests/v1')).status, 404);
      });
      it('answers MANIFEST_INVALID when a descriptor gives the wrong size', async () => {
        const { manifest } = await client.pushImage('library/sizes', 'v1');
        const wrong = { ...manifest, layers: [{ ...manifest.layers[0]!, size: manifest.layers[0]!.size + 1 }] };
        const res = await client.request('PUT', '/v2/library/sizes/manifests/v2', { body: JSON.stringify(wrong), headers: { 'content-type': OCI_MANIFEST } });
        assert.equal(res.status, 400);
        assert.equal(await errorCode(res), 'MANIFEST_INVALID');
        assert.equal((await client.request('GET', '/v2/library/sizes/manifests/v2')).status, 404);
      });
      it('answers 413 to a manifest over the size limit', async () => {
        const body = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [], annotations: { pad: 'x'.repeat(70 * 1024) } });
        const res = await client.request('PUT', '/v2/library/big/manifests/v1', { body, headers: { 'content-type': OCI_INDEX } });
        assert.equal(res.status, 413);
        assert.equal((await client.request('GET', '/v2/library/big/manifests/v1')).status, 404);
      });
      it('rejects an invalid tag', async () => {
        const res = await client.request('PUT', '/v2/library/img/manifests/-bad', { body: '{}', headers: { 'content-type': OCI_MANIFEST } });
        assert.equal(res.status, 400);
      });
      it('answers OCI-Subject when the manifest has a subject', async () => {
        const { digest, manifest } = await client.pushImage('library/signed', 'v1');
        const empty = Buffer.from('{}');
        const emptyDigest = await client.pushBlob('library/signed', empty);
        const signature = {
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          artifactType: 'application/vnd.example.signature',
          config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: emptyDigest, size: 2 },
          layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: emptyDigest, size: 2 }],
          subject: { mediaType: OCI_MANIFEST, digest, size: JSON.stringify(manifest).length },
        };
        const body = JSON.stringify(signature);
        const res = await client.request('PUT', `/v2/library/signed/manifests/${sha256(body)}`, { body, headers: { 'content-type': OCI_MANIFEST } });
        assert.equal(res.status, 201);
        assert.equal(res.headers.get('oci-subject'), digest);
      });
    });

    describe('authorization of pushes', () => {
      it('challenges anonymous pushes', async () => {
        const res = await fetch(`${server.url}/v2/library/anon/blobs/uploads/`, { method: 'POST' });
        assert.equal(res.status, 401);
        assert.match(res.headers.get('www-authenticate') ?? '', /scope="repository:library\/anon:pull,push"/);
      });
      it('refuses a push into a project that does not exist, naming it', async () => {
        const res = await client.request('POST', '/v2/nosuchproject/app/blobs/uploads/');
        assert.equal(res.status, 404);
        const body = (await res.json()) as { errors: Array<{ code: string; message: string }> };
        assert.equal(body.errors[0]!.code, 'NAME_UNKNOWN');
        assert.match(body.errors[0]!.message, /project "nosuchproject" does not exist/);
      });
      it('refuses a repository name without a project', async () => {
        const res = await client.request('POST', '/v2/lonely/blobs/uploads/');
        assert.equal(res.status, 404);
        assert.equal(await errorCode(res), 'NAME_UNKNOWN');
      });
      it('grants an anonymous token no push on a public project', async () => {
        const anonymous = new TestClient(server.url, null);
        const res = await anonymous.request('POST', '/v2/library/anon/blobs/uploads/', { scope: 'repository:library/anon:pull,push' });
        assert.equal(res.status, 401);
      });
      it('keeps a token bound to the project it was issued before a re-creation', async () => {
        await createProject(server.database.db, { name: 'fresh', ownerId: 1, public: false, now: Date.now() + 3_600_000 });
        const res = await client.request('POST', '/v2/fresh/app/blobs/uploads/');
        assert.equal(res.status, 401);
      });
    });
  });
}
