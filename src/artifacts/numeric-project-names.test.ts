import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword, ROLE_IDS, createUser } from '../auth/index.js';
import { createProject } from '../projects/index.js';
import { api, expectJson } from '../testing/api.js';
import { basic, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';

const PASSWORD = 'Passw0rd-for-tests';

for (const dialect of testDialects()) {
  describe(`numeric project names are resolved once (${dialect.name})`, () => {
    let server: TestServer;
    let ownId: number;
    let numericId: number;
    const member = basic('member', PASSWORD);

    before(async () => {
      server = await startTestServer(dialect);
      const db = server.database.db;
      const hash = await hashPassword(PASSWORD);
      const owner = await createUser(db, { username: 'owner', passwordHash: hash, sysadmin: false, now: Date.now() });
      const user = await createUser(db, { username: 'member', passwordHash: hash, sysadmin: false, now: Date.now() });
      // The member's own project gets id 2; the private project *named* "2" gets another id.
      const own = await createProject(db, { name: 'own', ownerId: owner.id, public: false, now: Date.now() });
      const numeric = await createProject(db, { name: '2', ownerId: owner.id, public: false, now: Date.now() });
      ownId = own.id;
      numericId = numeric.id;
      assert.equal(ownId, 2);
      assert.notEqual(numericId, 2);
      await db
        .insertInto('project_members')
        .values({ project_id: own.id, entity_type: 'u', entity_id: user.id, role: ROLE_IDS.developer, repository_patterns: null, created_at: 1, updated_at: 1 })
        .execute();
      await new TestClient(server.url).pushImage('2/topsecret', 'v1');
    });
    after(() => server.close());

    it('copy from=2/… names the project called 2, not the project with id 2', async () => {
      const res = await api(server.url, 'POST', '/projects/own/repositories/stolen/artifacts?from=2/topsecret:v1', { authorization: member });
      assert.equal(res.status, 404, await res.text());
      const stolen = await api(server.url, 'GET', '/projects/own/repositories/stolen', { authorization: member });
      assert.equal(stolen.status, 404);
      // An administrator's copy from the project named 2 still works.
      await expectJson(await api(server.url, 'POST', '/projects/own/repositories/copied/artifacts?from=2/topsecret:v1'), 201);
    });

    it('{project_name} paths read digits as a name', async () => {
      assert.equal((await api(server.url, 'GET', '/projects/2/repositories', { authorization: member })).status, 404);
      const names = await expectJson<Array<{ name: string }>>(await api(server.url, 'GET', '/projects/2/repositories'), 200);
      assert.deepEqual(
        names.map((r) => r.name),
        ['2/topsecret'],
      );
      await expectJson(await api(server.url, 'GET', '/projects/2/repositories/topsecret/artifacts/v1'), 200);
    });

    it('{project_name_or_id} paths read digits as an id unless X-Is-Resource-Name says a name', async () => {
      const byId = await expectJson<{ project_id: number; name: string }>(await api(server.url, 'GET', '/projects/2'), 200);
      assert.deepEqual([byId.project_id, byId.name], [ownId, 'own']);
      const byName = await expectJson<{ project_id: number; name: string }>(
        await api(server.url, 'GET', '/projects/2', { headers: { 'x-is-resource-name': 'true' } }),
        200,
      );
      assert.deepEqual([byName.project_id, byName.name], [numericId, '2']);
      assert.equal((await api(server.url, 'GET', '/projects/2', { authorization: member, headers: { 'x-is-resource-name': 'true' } })).status, 404);
    });
  });
}
