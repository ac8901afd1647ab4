import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { addMember, addRobot, addUser, expectError, newProject, type TestUser } from './fixtures.suite.js';

for (const dialect of testDialects()) {
  describe(`project metadata API (${dialect.name})`, () => {
    let server: TestServer;
    let url: string;
    let owner: TestUser;
    let maintainer: TestUser;
    let developer: TestUser;

    before(async () => {
      server = await startTestServer(dialect);
      url = server.url;
      owner = await addUser(server, 'owner');
      maintainer = await addUser(server, 'maint');
      developer = await addUser(server, 'dev');
      await newProject(url, 'meta', { authorization: owner.auth });
      await addMember(url, 'meta', 'maint', 4, owner.auth);
      await addMember(url, 'meta', 'dev', 2, owner.auth);
    });
    after(async () => {
      await server.close();
    });

    const path = (suffix = '') => `/projects/meta/metadatas/${suffix}`;

    it('creates, reads, updates and deletes metadata as Harbor does', async () => {
      await expectJson(await api(url, 'POST', path(), { authorization: owner.auth, body: { auto_scan: 'true', severity: 'low' } }), 200);
      assert.deepEqual(await expectJson(await api(url, 'GET', path()), 200), { auto_scan: 'true', public: 'false', severity: 'low' });
      assert.deepEqual(await expectJson(await api(url, 'GET', '/projects/meta/metadatas'), 200), { auto_scan: 'true', public: 'false', severity: 'low' });
      assert.deepEqual(await expectJson(await api(url, 'GET', path('severity'), { authorization: owner.auth }), 200), { severity: 'low' });

      await expectJson(await api(url, 'PUT', path('severity'), { authorization: owner.auth, body: { severity: 'critical' } }), 200);
      await expectJson(await api(url, 'PUT', path('auto_scan'), { authorization: owner.auth, body: { auto_scan: false } }), 200);
      assert.deepEqual(await expectJson(await api(url, 'GET', path('auto_scan'), { authorization: maintainer.auth }), 200), { auto_scan: 'false' });

      await expectJson(await api(url, 'DELETE', path('severity'), { authorization: owner.auth }), 200);
      await expectError(await api(url, 'GET', path('severity'), { authorization: owner.auth }), 404);
      const project = await expectJson<{ metadata: Record<string, string> }>(await api(url, 'GET', '/projects/meta', { authorization: owner.auth }), 200);
      assert.deepEqual(project.metadata, { auto_scan: 'false', public: 'false' });

      const audit = await server.database.db
        .selectFrom('audit_logs')
        .select('operation')
        .where('resource_type', '=', 'project')
        .where('resource', '=', 'meta')
        .execute();
      assert.deepEqual(
        audit.map((a) => a.operation),
        ['create', 'update', 'update', 'update', 'update'],
      );
    });

    it('keeps the project public flag in step with the public metadata', async () => {
      await expectJson(await api(url, 'PUT', path('public'), { authorization: owner.auth, body: { public: 'true' } }), 200);
      const seen = await expectJson<{ name: string; metadata: Record<string, string> }>(await api(url, 'GET', '/projects/meta', { authorization: null }), 200);
      assert.equal(seen.metadata.public, 'true');
      const row = await server.database.db.selectFrom('projects').select('public').where('name', '=', 'meta').executeTakeFirstOrThrow();
      assert.equal(Number(row.public), 1);
      await expectJson(await api(url, 'PUT', path('public'), { authorization: owner.auth, body: { public: 'false' } }), 200);
      assert.equal((await api(url, 'GET', '/projects/meta', { authorization: null })).status, 401);
      await expectError(await api(url, 'DELETE', path('public'), { authorization: owner.auth }), 400);
    });

    it('checks permissions per Harbor matrix, including metadata:list held by no role', async () => {
      await expectError(await api(url, 'GET', path(), { authorization: owner.auth }), 403);
      await expectError(await api(url, 'GET', path('public'), { authorization: developer.auth }), 403);
      assert.deepEqual(await expectJson(await api(url, 'GET', path('public'), { authorization: maintainer.auth }), 200), { public: 'false' });
      await expectError(await api(url, 'POST', path(), { authorization: maintainer.auth, body: { prevent_vul: 'true' } }), 403);
      await expectError(await api(url, 'PUT', path('public'), { authorization: maintainer.auth, body: { public: 'true' } }), 403);
      await expectError(await api(url, 'DELETE', path('auto_scan'), { authorization: maintainer.auth }), 403);
      const stranger = await addUser(server, 'stranger');
      await expectError(await api(url, 'GET', path('public'), { authorization: stranger.auth }), 404);
      await expectError(await api(url, 'GET', path(), { authorization: null }), 401);
      const robot = await addRobot(server, 'meta-lister', 'system', [
        {
          namespace: 'meta',
          access: [
            { resource: '', action: 'read' },
            { resource: 'metadata', action: 'list' },
          ],
        },
      ]);
      const listed = await expectJson<Record<string, string>>(await api(url, 'GET', path(), { authorization: robot }), 200);
      assert.equal(listed.public, 'false');
      const stored = await expectJson<Record<string, string>>(await api(url, 'GET', path()), 200);
      assert.equal(stored.prevent_vul, undefined);
    });

    it('refuses unknown keys, bad values, duplicates and mismatched bodies', async () => {
      const cases: Array<[string, string, unknown, number]> = [
        ['POST', path(), { colour: 'blue' }, 400],
        ['POST', path(), { auto_scan: 'yes' }, 400],
        ['POST', path(), { severity: 'catastrophic' }, 400],
        ['POST', path(), { prevent_vul: 'x'.repeat(100_000) }, 400],
        ['POST', path(), { prevent_vul: 7 }, 400],
        ['POST', path(), {}, 400],
        ['POST', path(), 'true', 400],
        ['POST', path(), { public: 'true' }, 409],
        ['POST', path(), { auto_scan: 'true' }, 409],
        ['PUT', path('auto_scan'), { severity: 'low' }, 400],
        ['PUT', path('auto_scan'), { auto_scan: 'true', severity: 'low' }, 400],
        ['PUT', path('severity'), { severity: 'low' }, 404],
        ['PUT', path('colour'), { colour: 'blue' }, 400],
        ['GET', path('colour'), undefined, 400],
        ['DELETE', path('severity'), undefined, 404],
      ];
      const before = await expectJson(await api(url, 'GET', path()), 200);
      for (const [method, target, body, status] of cases) {
        const error = await expectError(await api(url, method, target, { authorization: owner.auth, body }), status);
        assert.ok(error.message.length > 0);
      }
      const oversized = await expectError(await api(url, 'POST', path(), { authorization: owner.auth, body: { severity: 'x'.repeat(300) } }), 400);
      assert.match(oversized.message, /too long/);
      const unknown = await expectError(await api(url, 'POST', path(), { authorization: owner.auth, body: { colour: 'blue' } }), 400);
      assert.match(unknown.message, /unknown metadata "colour"/);
      assert.deepEqual(await expectJson(await api(url, 'GET', path()), 200), before);
    });
  });
}
