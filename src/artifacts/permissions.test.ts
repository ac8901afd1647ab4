import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword, ROLE_IDS, createUser } from '../auth/index.js';
import { createProject } from '../projects/index.js';
import { api, expectJson } from '../testing/api.js';
import { basic, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';

const PASSWORD = 'Passw0rd-for-tests';
const SECRET = '/projects/secret/repositories/app';

for (const dialect of testDialects()) {
  describe(`artifacts API permissions (${dialect.name})`, () => {
    let server: TestServer;
    let digest: string;
    const guest = basic('guest', PASSWORD);
    const developer = basic('developer', PASSWORD);
    const outsider = basic('outsider', PASSWORD);

    before(async () => {
      server = await startTestServer(dialect);
      const db = server.database.db;
      const hash = await hashPassword(PASSWORD);
      const owner = await createUser(db, { username: 'owner', passwordHash: hash, sysadmin: false, now: Date.now() });
      const secret = await createProject(db, { name: 'secret', ownerId: owner.id, public: false, now: Date.now() });
      for (const [username, role] of [
        ['guest', ROLE_IDS.guest],
        ['developer', ROLE_IDS.developer],
      ] as const) {
        const user = await createUser(db, { username, passwordHash: hash, sysadmin: false, now: Date.now() });
        await db
          .insertInto('project_members')
          .values({ project_id: secret.id, entity_type: 'u', entity_id: user.id, role, repository_patterns: null, created_at: 1, updated_at: 1 })
          .execute();
      }
      await createUser(db, { username: 'outsider', passwordHash: hash, sysadmin: false, now: Date.now() });
      const admin = new TestClient(server.url);
      digest = (await admin.pushImage('secret/app', 'v1')).digest;
      await admin.pushImage('library/open', 'v1');
    });
    after(() => server.close());

    it('answers 401 to anonymous callers and 404 to non-members on a private project', async () => {
      for (const path of ['/projects/secret/repositories', SECRET, `${SECRET}/artifacts`, `${SECRET}/artifacts/v1`, `${SECRET}/artifacts/v1/tags`]) {
        assert.equal((await api(server.url, 'GET', path, { authorization: null })).status, 401, path);
        assert.equal((await api(server.url, 'GET', path, { authorization: outsider })).status, 404, path);
      }
      assert.equal((await api(server.url, 'DELETE', SECRET, { authorization: outsider })).status, 404);
    });

    it('lets anyone list a public project, but only members read repositories of a private one', async () => {
      const open = await api(server.url, 'GET', '/projects/library/repositories', { authorization: null });
      assert.deepEqual(
        (await expectJson<Array<{ name: string }>>(open, 200)).map((r) => r.name),
        ['library/open'],
      );
      const anonymousAll = await expectJson<Array<{ name: string }>>(await api(server.url, 'GET', '/repositories', { authorization: null }), 200);
      assert.deepEqual(
        anonymousAll.map((r) => r.name),
        ['library/open'],
      );
      const outsiderAll = await expectJson<Array<{ name: string }>>(await api(server.url, 'GET', '/repositories', { authorization: outsider }), 200);
      assert.deepEqual(
        outsiderAll.map((r) => r.name),
        ['library/open'],
      );
      const guestAll = await expectJson<Array<{ name: string }>>(await api(server.url, 'GET', '/repositories?sort=name', { authorization: guest }), 200);
      assert.deepEqual(
        guestAll.map((r) => r.name),
        ['library/open', 'secret/app'],
      );
      const adminAll = await expectJson<Array<{ name: string }>>(await api(server.url, 'GET', '/repositories?sort=name'), 200);
      assert.deepEqual(
        adminAll.map((r) => r.name),
        ['library/open', 'secret/app'],
      );
    });

    it('lets a guest read but not change, and a developer tag but not delete', async () => {
      assert.equal((await api(server.url, 'GET', `${SECRET}/artifacts/v1`, { authorization: guest })).status, 200);
      for (const [method, path, body] of [
        ['DELETE', `${SECRET}/artifacts/${digest}`, undefined],
        ['DELETE', SECRET, undefined],
        ['PUT', SECRET, { description: 'x' }],
        ['POST', `${SECRET}/artifacts/v1/tags`, { name: 'mine' }],
        ['DELETE', `${SECRET}/artifacts/v1/tags/v1`, undefined],
      ] as const) {
        const res = await api(server.url, method, path, { authorization: guest, body });
        assert.equal(res.status, 403, `${method} ${path}`);
        assert.equal(((await res.json()) as { errors: Array<{ code: string }> }).errors[0]!.code, 'FORBIDDEN');
      }
      assert.equal((await api(server.url, 'POST', `${SECRET}/artifacts/v1/tags`, { authorization: developer, body: { name: 'dev' } })).status, 201);
      assert.equal((await api(server.url, 'PUT', SECRET, { authorization: developer, body: { description: 'by a developer' } })).status, 200);
      assert.equal((await api(server.url, 'DELETE', `${SECRET}/artifacts/dev/tags/dev`, { authorization: developer })).status, 403);
      assert.equal((await api(server.url, 'DELETE', `${SECRET}/artifacts/${digest}`, { authorization: developer })).status, 403);

      const still = await expectJson<{ tags: Array<{ name: string }> }>(await api(server.url, 'GET', `${SECRET}/artifacts/v1`), 200);
      assert.deepEqual(still.tags.map((t) => t.name).sort(), ['dev', 'v1'], 'refused changes stored nothing');
      assert.equal((await expectJson<{ description: string }>(await api(server.url, 'GET', SECRET), 200)).description, 'by a developer');
    });
  });
}
