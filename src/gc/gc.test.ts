import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parseDigest } from '../platform/lib/digest.js';
import { usedStorageOf } from '../projects/index.js';
import { countedUsage } from '../content/index.js';
import { blobPath } from '../platform/storage/index.js';
import { api, expectJson } from '../testing/api.js';
import { OCI_INDEX, OCI_MANIFEST, sha256, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { runGc } from './fixtures.suite.js';

const layer = (label: string) => ({ data: Buffer.concat([Buffer.from(label), randomBytes(2000)]), mediaType: 'application/vnd.oci.image.layer.v1.tar' });
const config = (label: string) => ({
  data: Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', label })),
  mediaType: 'application/vnd.oci.image.config.v1+json',
});

for (const dialect of testDialects()) {
  describe(`garbage collection (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;

    before(async () => {
      server = await startTestServer(dialect, { gc: { graceMinutes: 0 }, jobs: { pollIntervalMs: 50 } });
      client = new TestClient(server.url);
    });
    after(() => server.close());

    const inStorage = async (digest: string) => (await server.storage.stat(blobPath(parseDigest(digest)))) !== undefined;
    const blobRow = async (digest: string) =>
      (await server.database.db.selectFrom('blobs').select('digest').where('digest', '=', digest).executeTakeFirst()) !== undefined;
    const pullBlob = async (repo: string, digest: string) => {
      const res = await client.request('GET', `/v2/${repo}/blobs/${digest}`, { scope: `repository:${repo}:pull` });
      return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
    };
    const pullManifest = async (repo: string, reference: string) => {
      const res = await client.request('GET', `/v2/${repo}/manifests/${reference}`, {
        headers: { accept: `${OCI_MANIFEST}, ${OCI_INDEX}` },
        scope: `repository:${repo}:pull`,
      });
      return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
    };
    const deleteManifest = async (repo: string, digest: string) => {
      const res = await client.request('DELETE', `/v2/${repo}/manifests/${digest}`);
      assert.equal(res.status, 202, await res.text());
    };
    const projectId = async (name: string) => (await server.database.db.selectFrom('projects').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;

    it('removes the blobs and manifest of a deleted artifact from storage and database, keeps shared blobs', async () => {
      const shared = layer('shared');
      const kept = await client.pushArtifact('library/gc-a', 'kept', { config: config('kept'), layers: [shared, layer('kept-own')] });
      const gone = await client.pushArtifact('library/gc-a', 'gone', { config: config('gone'), layers: [shared, layer('gone-own')] });
      const goneOwn = gone.manifest.layers[1]!.digest;
      const goneConfig = gone.manifest.config.digest;
      await deleteManifest('library/gc-a', gone.digest);

      const result = await runGc(server.url, { delete_untagged: false });
      assert.equal(result.status, 'Success');
      assert.ok((result.attrs.purged_blobs ?? 0) >= 2, `purged ${result.attrs.purged_blobs}`);
      assert.ok((result.attrs.purged_manifests ?? 0) >= 1);

      for (const digest of [goneOwn, goneConfig, gone.digest]) {
        assert.equal(await inStorage(digest), false, `${digest} left storage`);
        assert.equal(await blobRow(digest), false, `${digest} left the database`);
      }
      assert.equal((await pullBlob('library/gc-a', goneOwn)).status, 404);
      const sharedDigest = kept.manifest.layers[0]!.digest;
      assert.deepEqual((await pullBlob('library/gc-a', sharedDigest)).body, shared.data);
      assert.equal((await pullManifest('library/gc-a', 'kept')).body.toString(), JSON.stringify(kept.manifest));
    });

    it('removes the manifests and blobs of a repository deleted through the API', async () => {
      const image = await client.pushArtifact('library/gc-repo', 'only', { config: config('repo-only'), layers: [layer('repo-only')] });
      await expectJson(await api(server.url, 'DELETE', '/projects/library/repositories/gc-repo'), 200);
      const result = await runGc(server.url, { delete_untagged: false });
      assert.equal(result.status, 'Success');
      for (const digest of [image.digest, image.manifest.config.digest, image.manifest.layers[0]!.digest]) {
        assert.equal(await inStorage(digest), false, `${digest} left storage`);
      }
    });

    it('a dry run reports exactly what the real run then deletes, and deletes nothing', async () => {
      // Untagged image, an untagged index with an untagged child, a signature of the untagged image, a stray blob.
      const untagged = await client.pushArtifact('library/gc-dry', 'temp', { config: config('u'), layers: [layer('u')] });
      const child = await client.pushArtifact('library/gc-dry', 'child', { config: config('c'), layers: [layer('c')] });
      const index = {
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [{ mediaType: OCI_MANIFEST, digest: child.digest, size: JSON.stringify(child.manifest).length }],
      };
      const { digest: indexDigest } = await client.pushManifest('library/gc-dry', 'idx', index, OCI_INDEX);
      const untaggedSize = JSON.stringify(untagged.manifest).length;
      const signature = await client.pushArtifact('library/gc-dry', 'sig', {
        config: config('s'),
        layers: [layer('s')],
        artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
        subject: { digest: untagged.digest, size: untaggedSize },
      });
      await client.pushBlob('library/gc-dry', randomBytes(500));
      for (const tag of ['temp', 'child', 'idx', 'sig']) {
        const res = await client.request('DELETE', `/v2/library/gc-dry/manifests/${tag}`);
        assert.equal(res.status, 202);
      }
      const kept = await client.pushArtifact('library/gc-dry', 'stays', { config: config('k'), layers: [layer('k')] });

      const dry = await runGc(server.url, { delete_untagged: true, dry_run: true });
      assert.equal(dry.status, 'Success');
      assert.equal(dry.attrs.deleted_untagged, 4, 'image, index, child and signature');
      for (const digest of [untagged.digest, child.digest, indexDigest, signature.digest]) {
        assert.equal((await pullManifest('library/gc-dry', digest)).status, 200, 'a dry run deletes nothing');
      }

      const real = await runGc(server.url, { delete_untagged: true });
      assert.equal(real.status, 'Success');
      for (const key of ['deleted_untagged', 'purged_blobs', 'purged_manifests', 'freed_space'] as const) {
        assert.equal(real.attrs[key], dry.attrs[key], `${key}: dry run said ${dry.attrs[key]}, real run did ${real.attrs[key]}`);
      }
      assert.ok((real.attrs.freed_space ?? 0) > 0);
      for (const digest of [untagged.digest, child.digest, indexDigest, signature.digest]) {
        assert.equal((await pullManifest('library/gc-dry', digest)).status, 404, `${digest} deleted`);
        assert.equal(await inStorage(digest), false);
      }
      for (const digest of [untagged.manifest.layers[0]!.digest, signature.manifest.layers[0]!.digest]) assert.equal(await inStorage(digest), false);
      assert.equal((await pullManifest('library/gc-dry', 'stays')).body.toString(), JSON.stringify(kept.manifest));

      const again = await runGc(server.url, { delete_untagged: true });
      assert.deepEqual(
        [again.attrs.deleted_untagged, again.attrs.purged_blobs, again.attrs.purged_manifests, again.attrs.freed_space],
        [0, 0, 0, 0],
        'nothing left to collect',
      );
    });

    it('keeps untagged index children and tagged artifacts, and quota usage stays exact', async () => {
      await expectJson(await api(server.url, 'POST', '/projects', { body: { project_name: 'gcquota', metadata: { public: 'false' } } }), 201);
      const shared = layer('q-shared');
      const child = await client.pushArtifact('gcquota/app', 'child', { config: config('qc'), layers: [shared] });
      const index = {
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [{ mediaType: OCI_MANIFEST, digest: child.digest, size: JSON.stringify(child.manifest).length }],
      };
      await client.pushManifest('gcquota/app', 'multi', index, OCI_INDEX);
      assert.equal((await client.request('DELETE', '/v2/gcquota/app/manifests/child')).status, 202);
      const old = await client.pushArtifact('gcquota/app', 'v1', { config: config('q1'), layers: [shared, layer('q1')] });
      await client.pushArtifact('gcquota/app', 'v1', { config: config('q2'), layers: [shared, layer('q2')] });

      const result = await runGc(server.url, { delete_untagged: true });
      assert.equal(result.status, 'Success');
      assert.equal((await pullManifest('gcquota/app', child.digest)).status, 200, 'an index child stays');
      assert.equal((await pullManifest('gcquota/app', old.digest)).status, 404, 'the overwritten v1 went');
      assert.deepEqual((await pullBlob('gcquota/app', shared.data.length ? sha256(shared.data) : '')).body, shared.data);

      const id = await projectId('gcquota');
      assert.equal(await usedStorageOf(server.database.db, id), await countedUsage(server.database.db, id));
    });
  });

  describe(`garbage collection grace window (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;

    before(async () => {
      server = await startTestServer(dialect, { gc: { graceMinutes: 60 }, jobs: { pollIntervalMs: 50 } });
      client = new TestClient(server.url);
    });
    after(() => server.close());

    it('keeps an upload not yet referenced while it is newer than the grace window', async () => {
      const data = randomBytes(1000);
      const digest = await client.pushBlob('library/grace', data);
      const image = await client.pushArtifact('library/grace', 'x', { config: config('g'), layers: [layer('g')] });
      assert.equal((await client.request('DELETE', `/v2/library/grace/manifests/${image.digest}`)).status, 202);

      const result = await runGc(server.url, { delete_untagged: true });
      assert.equal(result.status, 'Success');
      assert.equal(result.attrs.purged_blobs, 0, 'every blob is within the grace window');
      assert.equal(result.attrs.purged_manifests, 1, 'deleted manifests need no grace');
      const res = await client.request('GET', `/v2/library/grace/blobs/${digest}`, { scope: 'repository:library/grace:pull' });
      assert.equal(res.status, 200);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), data);
      // The manifest can still be pushed with the blobs it uploaded.
      await client.pushManifest('library/grace', 'again', image.manifest);
    });
  });
}
