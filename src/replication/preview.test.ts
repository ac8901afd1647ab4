/**
 * POST /replication/policies/preview: what an unsaved policy would replicate now, listed by the
 * planner's own selection. A push policy lists this registry's artifacts; a pull policy lists a
 * real CNCF distribution's catalog; both name each artifact's destination repository.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, hashPassword } from '../auth/index.js';
import { api, expectJson } from '../testing/api.js';
import { ADMIN, basic, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startDistribution, type DistributionServer } from '../testing/distribution.js';
import { imageManifest, openBuffer, smallBlob } from '../testing/registry-content.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { OCI_MANIFEST_TYPE, RegistryClient } from '../platform/registry-client/index.js';
import { skipUnlessTools } from '../../test/e2e/harness.js';
import { ReplicationPolicyShape, ReplicationPreviewShape } from './shapes.js';

type Preview = ReturnType<typeof ReplicationPreviewShape.parse>;
const GUEST = basic('preview-guest', 'Passw0rd-guest');

for (const dialect of testDialects()) {
  describe(`replication policy preview (${dialect.name})`, { skip: skipUnlessTools('docker-registry'), timeout: 180_000 }, () => {
    let server: TestServer;
    let remote: DistributionServer;
    let distant: RegistryClient;
    let registryId = 0;
    let downId = 0;
    const digests: Record<string, string> = {};
    const call = (method: string, path: string, body?: unknown, authorization?: string) =>
      api(server.url, method, path, { ...(body === undefined ? {} : { body }), ...(authorization ? { authorization } : {}) });
    const idFrom = (res: Response) => Number((res.headers.get('location') ?? '').split('/').pop());
    const preview = async (body: unknown, query = ''): Promise<Preview> =>
      ReplicationPreviewShape.parse(await expectJson<unknown>(await call('POST', `/replication/policies/preview${query}`, body), 200));
    const refused = async (body: unknown, status: number, pattern: RegExp, query = '') => {
      const res = await expectJson<{ errors: Array<{ message: string }> }>(await call('POST', `/replication/policies/preview${query}`, body), status);
      assert.match(res.errors[0]?.message ?? '', pattern);
    };

    before(async () => {
      server = await startTestServer(dialect);
      remote = await startDistribution();
      await createUser(server.database.db, { username: 'preview-guest', passwordHash: await hashPassword('Passw0rd-guest'), sysadmin: false, now: Date.now() });
      const created = await call('POST', '/registries', { name: 'distribution', type: 'docker-registry', url: remote.url });
      await expectJson(created, 201);
      registryId = idFrom(created);
      // Nothing listens on port 9 here: an endpoint that cannot be reached.
      const down = await call('POST', '/registries', { name: 'down', type: 'docker-registry', url: 'http://127.0.0.1:9' });
      await expectJson(down, 201);
      downId = idFrom(down);

      const local = new TestClient(server.url);
      for (const [repository, tag] of [
        ['library/app', 'v1'],
        ['library/app', 'v2'],
        ['library/app', 'latest'],
        ['library/tools', 'v1'],
      ] as const)
        digests[`${repository}:${tag}`] = (await local.pushImage(repository, tag, Buffer.from(`${repository}:${tag} layer`))).digest;
      await expectJson(await call('POST', '/projects', { project_name: 'other' }), 201);
      await local.pushImage('other/thing', 'v1', Buffer.from('other layer'));

      distant = new RegistryClient({ url: remote.url, allowPrivateNetworks: true });
      const pushRemote = async (repository: string, tags: readonly string[], label: string): Promise<string> => {
        const config = smallBlob(`{"architecture":"amd64","os":"linux","label":"${label}"}`);
        const layer = smallBlob(`layer of ${label}`);
        for (const blob of [config, layer]) await distant.pushBlob(repository, blob.digest, blob.bytes.length, openBuffer(blob.bytes));
        const manifest = imageManifest(config, layer);
        for (const tag of tags) await distant.putManifest(repository, tag, manifest.bytes, OCI_MANIFEST_TYPE);
        return manifest.digest;
      };
      digests['remote mirror/app:v1'] = await pushRemote('mirror/app', ['v1', 'v2'], 'app');
      await pushRemote('mirror/app', ['old'], 'old');
      await pushRemote('elsewhere/x', ['v1'], 'elsewhere');
    });
    after(async () => {
      distant?.close();
      await remote?.stop();
      await server?.close();
    });

    it('a push policy lists the local artifacts its filters select, and where the destination namespace puts them', async () => {
      const body = {
        dest_registry: { id: registryId },
        dest_namespace: 'mirror',
        dest_namespace_replace_count: 1,
        filters: [
          { type: 'name', value: 'library/**' },
          { type: 'tag', value: 'v*' },
        ],
      };
      const listed = await preview(body);
      assert.deepEqual([listed.total, listed.truncated, listed.limit], [3, false, 500]);
      const rows = listed.items.map((i) => [i.repository, i.tags.join(','), i.digest, i.dest_repository]).sort();
      assert.deepEqual(rows, [
        ['library/app', 'v1', digests['library/app:v1'], 'mirror/app'],
        ['library/app', 'v2', digests['library/app:v2'], 'mirror/app'],
        ['library/tools', 'v1', digests['library/tools:v1'], 'mirror/tools'],
      ]);

      // Harbor's flattening choices: prefix everything (0), or keep the name as it is (no namespace).
      const prefixed = await preview({ ...body, dest_namespace_replace_count: 0 });
      assert.deepEqual([...new Set(prefixed.items.map((i) => i.dest_repository))].sort(), ['mirror/library/app', 'mirror/library/tools']);
      const kept = await preview({ ...body, dest_namespace: '', dest_namespace_replace_count: -1 });
      assert.deepEqual([...new Set(kept.items.map((i) => i.dest_repository))].sort(), ['library/app', 'library/tools']);

      // A tag filter that excludes, and the whole registry when nothing filters.
      const latestOnly = await preview({ ...body, filters: [{ type: 'tag', value: 'v*', decoration: 'excludes' }] });
      assert.deepEqual(
        latestOnly.items.map((i) => `${i.repository}:${i.tags.join(',')}`),
        ['library/app:latest'],
      );
      assert.equal((await preview({ dest_registry: { id: registryId } })).total, 5);
    });

    it('caps the list at the limit asked for, and says so', async () => {
      const capped = await preview({ dest_registry: { id: registryId } }, '?limit=2');
      assert.deepEqual([capped.total, capped.truncated, capped.limit, capped.items.length], [5, true, 2, 2]);
    });

    it("a pull policy lists the remote registry's catalog, tags of one artifact together", async () => {
      const listed = await preview({
        name: 'unsaved',
        src_registry: { id: registryId },
        dest_namespace: 'backup',
        dest_namespace_replace_count: 1,
        filters: [
          { type: 'name', value: 'mirror/**' },
          { type: 'tag', value: 'v*' },
        ],
      });
      assert.deepEqual([listed.total, listed.truncated], [1, false]);
      assert.deepEqual(
        listed.items.map((i) => [i.repository, [...i.tags].sort().join(','), i.digest, i.dest_repository]),
        [['mirror/app', 'v1,v2', digests['remote mirror/app:v1'], 'backup/app']],
      );
      const everything = await preview({ src_registry: { id: registryId } });
      assert.deepEqual(everything.items.map((i) => i.repository).sort(), ['elsewhere/x', 'mirror/app', 'mirror/app']);
    });

    it('saves nothing: the policies list stays empty', async () => {
      const policies = await expectJson<unknown[]>(await call('GET', '/replication/policies'), 200);
      assert.deepEqual(
        policies.map((p) => ReplicationPolicyShape.parse(p)),
        [],
      );
    });

    it('refuses bad bodies with 400 and a clear message, an unreachable source with 422', async () => {
      await refused({}, 400, /either src_registry .* or dest_registry/);
      await refused({ src_registry: { id: registryId }, dest_registry: { id: registryId } }, 400, /either src_registry/);
      await refused({ dest_registry: { id: 9999 } }, 400, /registry 9999 not found/);
      await refused({ dest_registry: { id: registryId }, filters: [{ type: 'colour', value: 'red' }] }, 400, /filters/);
      await refused({ dest_registry: { id: registryId }, dest_namespace: 'Not A Path!' }, 400, /dest_namespace must be a repository path/);
      await refused({ dest_registry: { id: registryId } }, 400, /limit must be an integer from 1 to 500/, '?limit=0');
      await refused({ dest_registry: { id: registryId } }, 400, /limit must be an integer from 1 to 500/, '?limit=501');
      await refused({ src_registry: { id: downId } }, 422, /the source registry could not be listed: .*connection refused/);
      const notJson = await fetch(`${server.url}/api/v2.0/replication/policies/preview`, {
        method: 'POST',
        headers: { authorization: ADMIN, 'content-type': 'application/json' },
        body: '{"dest_registry": ',
      });
      assert.equal(notJson.status, 400);
    });

    it('is for system administrators only', async () => {
      assert.equal((await call('POST', '/replication/policies/preview', { dest_registry: { id: registryId } }, GUEST)).status, 403);
      assert.equal((await api(server.url, 'POST', '/replication/policies/preview', { body: {}, authorization: '' })).status, 401);
    });

    it('is described in the OpenAPI document the server serves', async () => {
      const doc = await expectJson<{
        paths: Record<string, Record<string, { parameters: Array<{ name: string }>; responses: Record<string, { schema?: { $ref?: string } }> }>>;
        definitions: Record<string, { properties?: Record<string, unknown> }>;
      }>(await call('GET', '/swagger.json'), 200);
      const operation = doc.paths['/replication/policies/preview']?.post;
      assert.ok(operation, 'the document lists the preview');
      assert.equal(operation.responses['200']?.schema?.$ref, '#/definitions/ReplicationPreview');
      assert.deepEqual(operation.parameters.map((p) => p.name).sort(), ['body', 'limit']);
      assert.deepEqual(Object.keys(doc.definitions.ReplicationPreview?.properties ?? {}).sort(), ['items', 'limit', 'total', 'truncated']);
    });
  });
}
