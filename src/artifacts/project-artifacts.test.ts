import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, hashPassword, ROLE_IDS } from '../auth/index.js';
import { api, expectJson } from '../testing/api.js';
import { basic, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { pushImageWithHistory, pushReferrer } from './fixtures.suite.js';

interface TagJson {
  name: string;
  immutable: boolean;
}

interface ArtifactJson {
  id: number;
  digest: string;
  repository_name: string;
  repository_id: number;
  type: string;
  tags?: TagJson[];
  labels?: unknown[];
  accessories?: Array<{ digest: string; subject_artifact_digest: string; subject_artifact_repo: string }>;
}

const PASSWORD = 'Listing-passw0rd';

const immutableRule = (tagPattern: string, repository: string) => ({
  disabled: false,
  action: 'immutable',
  template: 'immutable_template',
  tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: tagPattern }],
  scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: repository }] },
});

/** Tag names with their immutability, sorted, as `name:true|false`. */
const tagStates = (tags: TagJson[] | undefined) => (tags ?? []).map((t) => `${t.name}:${t.immutable}`).sort();

for (const dialect of testDialects()) {
  describe(`artifacts of a project, and immutability in listings (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;
    let apiV1: { digest: string; size: number };
    let apiV2: { digest: string; size: number };
    let signature: string;
    let webV1: { digest: string; size: number };
    let projectId: number;
    const get = async <T>(path: string, headers?: Record<string, string>) => expectJson<T>(await api(server.url, 'GET', path, { headers }), 200);

    before(async () => {
      server = await startTestServer(dialect);
      client = new TestClient(server.url);
      await expectJson(await api(server.url, 'POST', '/projects', { body: { project_name: 'shop', metadata: { public: 'false' } } }), 201);
      projectId = (await get<{ project_id: number }>('/projects/shop')).project_id;
      apiV1 = await pushImageWithHistory(client, 'shop/api', 'v1');
      apiV2 = await pushImageWithHistory(client, 'shop/api', 'v2', 'arm64');
      webV1 = await pushImageWithHistory(client, 'shop/web', 'v1');
      signature = (await pushReferrer(client, 'shop/api', apiV2, 'cosign')).digest;
      // A project elsewhere whose artifacts must not show up.
      await pushImageWithHistory(client, 'library/api', 'v1', 's390x');
      await expectJson(await api(server.url, 'POST', '/projects/shop/immutabletagrules', { body: immutableRule('release-*', 'api') }), 201);
      for (const repository of ['api', 'web']) {
        await expectJson(await api(server.url, 'POST', `/projects/shop/repositories/${repository}/artifacts/v1/tags`, { body: { name: 'release-1' } }), 201);
      }
    });
    after(() => server.close());

    it('lists the artifacts of every repository of the project, newest push first, with paging', async () => {
      // The signature is an accessory: it shows under its subject, not as a row.
      const res = await api(server.url, 'GET', '/projects/shop/artifacts?page_size=2');
      const page = await expectJson<ArtifactJson[]>(res, 200);
      assert.equal(res.headers.get('x-total-count'), '3');
      assert.match(res.headers.get('link') ?? '', /page=2.*rel="next"/);
      assert.deepEqual(
        page.map((a) => `${a.repository_name}@${a.digest}`),
        [`shop/web@${webV1.digest}`, `shop/api@${apiV2.digest}`],
      );
      const rest = await get<ArtifactJson[]>('/projects/shop/artifacts?page_size=2&page=2');
      assert.deepEqual(
        rest.map((a) => a.digest),
        [apiV1.digest],
      );
      assert.deepEqual(tagStates(page[0]!.tags), ['release-1:false', 'v1:false']);
      const sortedByDigest = await get<ArtifactJson[]>(`/projects/${projectId}/artifacts?sort=digest`);
      assert.deepEqual(
        sortedByDigest.map((a) => a.digest),
        [apiV2.digest, apiV1.digest, webV1.digest].sort(),
      );
    });

    it('filters with q and keeps only the newest of each repository with latest_in_repository', async () => {
      const tagged = await get<ArtifactJson[]>(`/projects/shop/artifacts?q=${encodeURIComponent('tags=release-1')}`);
      assert.deepEqual(tagged.map((a) => a.digest).sort(), [apiV1.digest, webV1.digest].sort());
      const latest = await get<ArtifactJson[]>('/projects/shop/artifacts?latest_in_repository=true');
      assert.deepEqual(
        latest.map((a) => a.digest),
        [webV1.digest, apiV2.digest],
      );
      const latestOfAll = await get<ArtifactJson[]>(`/projects/shop/artifacts?latest_in_repository=true&q=${encodeURIComponent('base=*')}`);
      assert.deepEqual(
        latestOfAll.map((a) => a.digest),
        [signature, webV1.digest],
      );
      // "Newest" is among the artifacts the query selects: the images tagged v…, not the signature.
      const latestTagged = await api(server.url, 'GET', `/projects/shop/artifacts?latest_in_repository=true&q=${encodeURIComponent('tags=~v')}`);
      assert.equal(latestTagged.headers.get('x-total-count'), '2');
      assert.deepEqual(
        (await expectJson<ArtifactJson[]>(latestTagged, 200)).map((a) => a.digest),
        [webV1.digest, apiV2.digest],
      );
      const signatures = await get<ArtifactJson[]>(`/projects/shop/artifacts?q=${encodeURIComponent('type=SIGNATURE,base=*')}`);
      assert.deepEqual(
        signatures.map((a) => a.digest),
        [signature],
      );
      assert.equal((await api(server.url, 'GET', '/projects/shop/artifacts?latest_in_repository=yes')).status, 400);
      assert.equal((await api(server.url, 'GET', '/projects/shop/artifacts?q=size%3D1')).status, 400);
    });

    it('includes labels, accessories and immutability when asked, as the repository listing does', async () => {
      const flags = 'with_label=true&with_accessory=true&with_immutable_status=true';
      const listed = await get<ArtifactJson[]>(`/projects/shop/artifacts?${flags}`);
      const perRepository = await get<ArtifactJson[]>(`/projects/shop/repositories/api/artifacts?${flags}`);
      const byDigest = new Map(listed.map((a) => [a.digest, a]));
      for (const artifact of perRepository) assert.deepEqual(byDigest.get(artifact.digest), artifact);
      const v2 = byDigest.get(apiV2.digest)!;
      assert.deepEqual(
        v2.accessories?.map((a) => [a.digest, a.subject_artifact_digest, a.subject_artifact_repo]),
        [[signature, apiV2.digest, 'shop/api']],
      );
      assert.deepEqual(byDigest.get(webV1.digest)?.accessories, []);
      assert.deepEqual(v2.labels, []);
      const accessories = await get<Array<{ digest: string; type: string }>>(`/projects/shop/repositories/api/artifacts/v2/accessories`);
      assert.deepEqual(
        accessories.map((a) => [a.digest, a.type]),
        [[signature, 'signature.cosign']],
      );
      assert.deepEqual(await get<unknown[]>(`/projects/shop/repositories/web/artifacts/v1/accessories`), []);
      assert.deepEqual(tagStates(byDigest.get(apiV1.digest)?.tags), ['release-1:true', 'v1:false']);
      assert.deepEqual(tagStates(byDigest.get(webV1.digest)?.tags), ['release-1:false', 'v1:false'], 'the rule covers only the api repository');
    });

    it('reports tag immutability on the repository listing, one artifact and its tags only when asked', async () => {
      const listed = await get<ArtifactJson[]>('/projects/shop/repositories/api/artifacts?with_immutable_status=true');
      assert.deepEqual(tagStates(listed.find((a) => a.digest === apiV1.digest)?.tags), ['release-1:true', 'v1:false']);
      const plain = await get<ArtifactJson[]>('/projects/shop/repositories/api/artifacts');
      assert.deepEqual(tagStates(plain.find((a) => a.digest === apiV1.digest)?.tags), ['release-1:false', 'v1:false']);
      const one = await get<ArtifactJson>('/projects/shop/repositories/api/artifacts/release-1?with_immutable_status=true');
      assert.deepEqual(tagStates(one.tags), ['release-1:true', 'v1:false']);
      const tags = await get<TagJson[]>(`/projects/shop/repositories/api/artifacts/${apiV1.digest}/tags?with_immutable_status=true`);
      assert.deepEqual(tagStates(tags), ['release-1:true', 'v1:false']);
      assert.deepEqual(tagStates(await get<TagJson[]>(`/projects/shop/repositories/api/artifacts/${apiV1.digest}/tags`)), ['release-1:false', 'v1:false']);
      assert.equal((await api(server.url, 'GET', '/projects/shop/repositories/api/artifacts?with_immutable_status=1')).status, 400);
    });

    it('resolves a numeric project name only with X-Is-Resource-Name', async () => {
      await expectJson(await api(server.url, 'POST', '/projects', { body: { project_name: '4242', metadata: { public: 'false' } } }), 201);
      const pushed = await pushImageWithHistory(client, '4242/tool', 'v1');
      const byName = await get<ArtifactJson[]>('/projects/4242/artifacts', { 'x-is-resource-name': 'true' });
      assert.deepEqual(
        byName.map((a) => a.digest),
        [pushed.digest],
      );
      assert.equal((await api(server.url, 'GET', '/projects/4242/artifacts')).status, 404, '4242 is read as a project id');
    });

    it('shows each caller only the repositories it may list', async () => {
      const db = server.database.db;
      const narrowed = await createUser(db, { username: 'narrowed', passwordHash: await hashPassword(PASSWORD), sysadmin: false, now: Date.now() });
      await db
        .insertInto('project_members')
        .values({
          project_id: projectId,
          entity_type: 'u',
          entity_id: narrowed.id,
          role: ROLE_IDS.developer,
          repository_patterns: JSON.stringify(['web']),
          created_at: 1,
          updated_at: 1,
        })
        .execute();
      await createUser(db, { username: 'stranger', passwordHash: await hashPassword(PASSWORD), sysadmin: false, now: Date.now() });
      const seen = await expectJson<ArtifactJson[]>(await api(server.url, 'GET', '/projects/shop/artifacts', { authorization: basic('narrowed', PASSWORD) }), 200);
      assert.deepEqual(
        seen.map((a) => a.repository_name),
        ['shop/web'],
      );
      assert.equal((await api(server.url, 'GET', '/projects/shop/artifacts', { authorization: basic('stranger', PASSWORD) })).status, 404);
      assert.equal((await api(server.url, 'GET', '/projects/shop/artifacts', { authorization: null })).status, 401);
    });
  });
}
