import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword, ROLE_IDS, createUser } from '../../auth/index.js';
import { createProject } from '../../projects/index.js';
import { api, expectJson } from '../../testing/api.js';
import { basic, errorCode, TestClient } from '../../testing/client.js';
import { testDialects } from '../../testing/dialects.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { doublestarMatch } from '../../platform/lib/index.js';

describe('doublestar patterns', () => {
  it('match as Harbor rules expect', () => {
    assert.ok(doublestarMatch('**', 'a/b/c'));
    assert.ok(doublestarMatch('release-*', 'release-1.2'));
    assert.ok(!doublestarMatch('release-*', 'dev-1'));
    assert.ok(doublestarMatch('{v1,v2}.*', 'v2.0'));
    assert.ok(!doublestarMatch('team/*', 'team/a/b'));
    assert.ok(doublestarMatch('team/**', 'team/a/b'));
    assert.ok(doublestarMatch('v?', 'v1'));
  });
});

function rule(tagPattern: string, options: { repo?: string; decoration?: 'matches' | 'excludes'; disabled?: boolean } = {}) {
  return {
    disabled: options.disabled ?? false,
    action: 'immutable',
    template: 'immutable_template',
    tag_selectors: [{ kind: 'doublestar', decoration: options.decoration ?? 'matches', pattern: tagPattern }],
    scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: options.repo ?? '**' }] },
  };
}

for (const dialect of testDialects()) {
  describe(`tag immutability (${dialect.name})`, () => {
    let server: TestServer;
    let admin: TestClient;
    const password = 'Immutable-passw0rd';

    before(async () => {
      server = await startTestServer(dialect);
      admin = new TestClient(server.url);
      const db = server.database.db;
      const project = await createProject(db, { name: 'frozen', ownerId: 1, public: false, now: Date.now() - 120_000 });
      for (const [name, role] of [
        ['maint', ROLE_IDS.maintainer],
        ['dev', ROLE_IDS.developer],
      ] as const) {
        const user = await createUser(db, { username: name, passwordHash: await hashPassword(password), sysadmin: false, now: Date.now() });
        await db
          .insertInto('project_members')
          .values({ project_id: project.id, entity_type: 'u', entity_id: user.id, role, repository_patterns: null, created_at: 1, updated_at: 1 })
          .execute();
      }
    });
    after(() => server.close());

    it('lets a maintainer manage rules and refuses a developer', async () => {
      const maint = basic('maint', password);
      const created = await api(server.url, 'POST', '/projects/frozen/immutabletagrules', { authorization: maint, body: rule('keep-*') });
      assert.equal(created.status, 201);
      const id = Number(created.headers.get('location')!.split('/').pop());
      const rules = await expectJson<Array<{ id: number; tag_selectors: Array<{ pattern: string }> }>>(
        await api(server.url, 'GET', '/projects/frozen/immutabletagrules', { authorization: maint }),
        200,
      );
      assert.deepEqual(
        rules.map((r) => r.tag_selectors[0]!.pattern),
        ['keep-*'],
      );
      const dev = basic('dev', password);
      assert.equal((await api(server.url, 'POST', '/projects/frozen/immutabletagrules', { authorization: dev, body: rule('x') })).status, 403);
      assert.equal((await api(server.url, 'PUT', `/projects/frozen/immutabletagrules/${id}`, { authorization: maint, body: rule('kept-*') })).status, 200);
      assert.equal((await api(server.url, 'DELETE', `/projects/frozen/immutabletagrules/${id}`, { authorization: maint })).status, 200);
      assert.equal((await api(server.url, 'DELETE', `/projects/frozen/immutabletagrules/${id}`, { authorization: maint })).status, 404);
    });

    it('rejects malformed rules with 400', async () => {
      const bad = [
        { ...rule('x'), tag_selectors: [] },
        { ...rule('x'), scope_selectors: { repository: [{ kind: 'regex', decoration: 'repoMatches', pattern: '.*' }] } },
        {},
      ];
      for (const body of bad) assert.equal((await api(server.url, 'POST', '/projects/frozen/immutabletagrules', { body })).status, 400, JSON.stringify(body));
    });

    it('refuses overwriting or deleting an immutable tag over /v2/, and allows everything else', async () => {
      await expectJson(await api(server.url, 'POST', '/projects/frozen/immutabletagrules', { body: rule('release-*', { repo: 'app' }) }), 201);
      const first = await admin.pushImage('frozen/app', 'release-1', Buffer.from('first'));
      // The same content again is no change, and allowed.
      await admin.pushManifest('frozen/app', 'release-1', first.manifest);
      const other = await admin.pushImage('frozen/app', 'scratch', Buffer.from('second'));
      const overwrite = await admin.request('PUT', '/v2/frozen/app/manifests/release-1', {
        body: JSON.stringify(other.manifest),
        headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      });
      assert.equal(overwrite.status, 403);
      assert.equal(await errorCode(overwrite), 'DENIED');
      const byTag = await admin.request('DELETE', '/v2/frozen/app/manifests/release-1');
      assert.equal(byTag.status, 403);
      const byDigest = await admin.request('DELETE', `/v2/frozen/app/manifests/${first.digest}`);
      assert.equal(byDigest.status, 403);
      const still = await admin.request('GET', '/v2/frozen/app/manifests/release-1');
      assert.equal(still.headers.get('docker-content-digest'), first.digest);
      // Tags outside the rule, and repositories outside its scope, move freely.
      await admin.pushManifest('frozen/app', 'scratch', first.manifest);
      await admin.pushImage('frozen/other', 'release-1', Buffer.from('a'));
      await admin.pushImage('frozen/other', 'release-1', Buffer.from('b'));
    });

    it('refuses deleting or moving an immutable tag through the API too', async () => {
      const tagDelete = await api(server.url, 'DELETE', '/projects/frozen/repositories/app/artifacts/release-1/tags/release-1');
      assert.equal(tagDelete.status, 412);
      const artifactDelete = await api(server.url, 'DELETE', '/projects/frozen/repositories/app/artifacts/release-1');
      assert.equal(artifactDelete.status, 412);
      await admin.pushImage('frozen/app', 'mover', Buffer.from('another image'));
      const move = await api(server.url, 'POST', '/projects/frozen/repositories/app/artifacts/mover/tags', { body: { name: 'release-1' } });
      assert.equal(move.status, 412);
    });

    it('a backtracking doublestar pattern matches a long tag in linear time', async () => {
      const tag = 'a'.repeat(128);
      for (const pattern of [`${'**a'.repeat(7)}**b`, `${'**a'.repeat(29)}**b`]) {
        await expectJson(await api(server.url, 'POST', '/projects/frozen/immutabletagrules', { body: rule(pattern, { repo: 'slow' }) }), 201);
        const ping = fetch(`${server.url}/api/v2.0/ping`).then(() => performance.now());
        const started = performance.now();
        await admin.pushImage('frozen/slow', tag, Buffer.from(pattern));
        const elapsed = performance.now() - started;
        assert.ok(elapsed < 1000, `pushing ${tag.length} characters of tag under ${pattern} took ${Math.round(elapsed)} ms`);
        assert.ok((await ping) - started < 1000, 'the server stays responsive');
      }
      // A pattern beyond the limits is refused, never stored.
      const tooMany = await api(server.url, 'POST', '/projects/frozen/immutabletagrules', { body: rule(`${'**a'.repeat(33)}**b`, { repo: 'slow' }) });
      assert.equal(tooMany.status, 400);
      assert.match(await tooMany.text(), /at most 32 wildcards/);
      const nested = await api(server.url, 'POST', '/projects/frozen/immutabletagrules', { body: rule('{{{{a}}}}', { repo: 'slow' }) });
      assert.equal(nested.status, 400);
      const rules = await expectJson<Array<{ id: number; tag_selectors: Array<{ pattern: string }> }>>(
        await api(server.url, 'GET', '/projects/frozen/immutabletagrules'),
        200,
      );
      assert.ok(rules.every((r) => !r.tag_selectors[0]!.pattern.startsWith('{{{{') && r.tag_selectors[0]!.pattern.length < 100));
      for (const r of rules.filter((r) => r.tag_selectors[0]!.pattern.startsWith('**a'))) {
        await expectJson(await api(server.url, 'DELETE', `/projects/frozen/immutabletagrules/${r.id}`), 200);
      }
    });

    it('stops protecting once the rule is disabled', async () => {
      const rules = await expectJson<Array<{ id: number }>>(await api(server.url, 'GET', '/projects/frozen/immutabletagrules'), 200);
      for (const r of rules) {
        await expectJson(
          await api(server.url, 'PUT', `/projects/frozen/immutabletagrules/${r.id}`, { body: rule('release-*', { repo: 'app', disabled: true }) }),
          200,
        );
      }
      assert.equal((await admin.request('DELETE', '/v2/frozen/app/manifests/release-1')).status, 202);
    });
  });
}
