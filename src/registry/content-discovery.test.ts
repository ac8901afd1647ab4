import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createProject } from '../projects/index.js';
import { errorCode, OCI_INDEX, OCI_MANIFEST, sha256, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';

for (const dialect of testDialects()) {
  describe(`content discovery (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;
    let subject: string;
    const tags = ['v1', 'v10', 'v2', 'Latest', 'alpha', 'beta.1', 'beta_2'];

    before(async () => {
      server = await startTestServer(dialect);
      client = new TestClient(server.url);
      const { digest, manifest } = await client.pushImage('library/app', 'v1');
      subject = digest;
      for (const tag of tags.slice(1)) await client.pushManifest('library/app', tag, manifest);
      for (const name of ['library/b', 'library/a', 'library/c/deep']) await client.pushImage(name, 'x');
      await createProject(server.database.db, { name: 'hidden', ownerId: 1, public: false, now: Date.now() });
      await client.pushImage('hidden/one', 'x');
      const empty = await client.pushBlob('library/app', Buffer.from('{}'));
      for (const [type, note] of [
        ['application/vnd.example.sbom', 'sbom'],
        ['application/vnd.example.signature', 'sig'],
      ] as const) {
        const referrer = {
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          artifactType: type,
          config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty, size: 2 },
          layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: empty, size: 2 }],
          subject: { mediaType: OCI_MANIFEST, digest, size: JSON.stringify(manifest).length },
          annotations: { note },
        };
        const body = JSON.stringify(referrer);
        await client.request('PUT', `/v2/library/app/manifests/${sha256(body)}`, { body, headers: { 'content-type': OCI_MANIFEST } });
      }
    });
    after(() => server.close());

    describe('GET /v2/<name>/tags/list', () => {
      it('lists every tag in lexical order', async () => {
        const res = await client.request('GET', '/v2/library/app/tags/list');
        assert.equal(res.status, 200);
        assert.deepEqual(await res.json(), { name: 'library/app', tags: [...tags].sort() });
      });
      it('pages with n and last, announcing the next page in Link', async () => {
        const sorted = [...tags].sort();
        const first = await client.request('GET', '/v2/library/app/tags/list?n=3');
        assert.deepEqual(((await first.json()) as { tags: string[] }).tags, sorted.slice(0, 3));
        assert.equal(first.headers.get('link'), `</v2/library/app/tags/list?n=3&last=${sorted[2]}>; rel="next"`);
        const second = await client.request('GET', `/v2/library/app/tags/list?n=3&last=${sorted[2]}`);
        assert.deepEqual(((await second.json()) as { tags: string[] }).tags, sorted.slice(3, 6));
        const third = await client.request('GET', `/v2/library/app/tags/list?n=3&last=${sorted[5]}`);
        assert.deepEqual(((await third.json()) as { tags: string[] }).tags, sorted.slice(6));
        assert.equal(third.headers.get('link'), null);
      });
      it('answers n=0 with an empty list', async () => {
        const res = await client.request('GET', '/v2/library/app/tags/list?n=0');
        assert.deepEqual(((await res.json()) as { tags: string[] }).tags, []);
      });
      it('rejects a bad n', async () => {
        const res = await client.request('GET', '/v2/library/app/tags/list?n=-1');
        assert.equal(res.status, 400);
      });
      it('answers NAME_UNKNOWN for an unknown repository', async () => {
        const res = await client.request('GET', '/v2/library/nothing/tags/list');
        assert.equal(res.status, 404);
        assert.equal(await errorCode(res), 'NAME_UNKNOWN');
      });
    });

    describe('GET /v2/_catalog', () => {
      it('lists repositories in order, with paging', async () => {
        const all = await client.request('GET', '/v2/_catalog', { scope: 'registry:catalog:*' });
        assert.deepEqual(await all.json(), { repositories: ['hidden/one', 'library/a', 'library/app', 'library/b', 'library/c/deep'] });
        const page = await client.request('GET', '/v2/_catalog?n=2&last=library/a', { scope: 'registry:catalog:*' });
        assert.deepEqual(await page.json(), { repositories: ['library/app', 'library/b'] });
        assert.equal(page.headers.get('link'), '</v2/_catalog?n=2&last=library%2Fb>; rel="next"');
      });
      it('shows anonymous callers only public projects', async () => {
        const anonymous = new TestClient(server.url, null);
        const res = await anonymous.request('GET', '/v2/_catalog', { scope: 'registry:catalog:*' });
        assert.deepEqual(await res.json(), { repositories: ['library/a', 'library/app', 'library/b', 'library/c/deep'] });
      });
    });

    describe('GET /v2/<name>/referrers/<digest>', () => {
      it('lists the manifests whose subject is the digest, as an OCI index', async () => {
        const res = await client.request('GET', `/v2/library/app/referrers/${subject}`);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('content-type'), OCI_INDEX);
        const index = (await res.json()) as {
          schemaVersion: number;
          mediaType: string;
          manifests: Array<{ artifactType: string; annotations: Record<string, string>; mediaType: string; size: number; digest: string }>;
        };
        assert.equal(index.schemaVersion, 2);
        assert.equal(index.mediaType, OCI_INDEX);
        assert.deepEqual(index.manifests.map((m) => m.artifactType).sort(), ['application/vnd.example.sbom', 'application/vnd.example.signature']);
        assert.deepEqual(index.manifests.map((m) => m.annotations.note).sort(), ['sbom', 'sig']);
        for (const m of index.manifests) {
          const body = await (await client.request('GET', `/v2/library/app/manifests/${m.digest}`)).arrayBuffer();
          assert.equal(m.size, body.byteLength);
          assert.equal(m.mediaType, OCI_MANIFEST);
        }
        assert.equal(res.headers.get('oci-filters-applied'), null);
      });
      it('filters by artifactType and says so', async () => {
        const res = await client.request('GET', `/v2/library/app/referrers/${subject}?artifactType=application/vnd.example.sbom`);
        assert.equal(res.headers.get('oci-filters-applied'), 'artifactType');
        const index = (await res.json()) as { manifests: Array<{ artifactType: string }> };
        assert.deepEqual(
          index.manifests.map((m) => m.artifactType),
          ['application/vnd.example.sbom'],
        );
      });
      it('answers an empty index for a digest nobody refers to', async () => {
        const res = await client.request('GET', `/v2/library/app/referrers/${sha256('alone')}`);
        assert.equal(res.status, 200);
        assert.deepEqual(((await res.json()) as { manifests: unknown[] }).manifests, []);
      });
      it('rejects an invalid digest', async () => {
        const res = await client.request('GET', '/v2/library/app/referrers/sha256:zz');
        assert.equal(res.status, 400);
      });
    });
  });
}
