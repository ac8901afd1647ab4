import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { basic, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { addMember, addUser, expectError, newProject, PASSWORD, type TestUser } from './fixtures.suite.js';

interface MemberJson {
  id: number;
  project_id: number;
  entity_name: string;
  role_name: string;
  role_id: number;
  entity_id: number;
  entity_type: string;
  repository_patterns: string[] | null;
}

/** The repository actions a registry token grants for `name`. */
async function grantedActions(url: string, username: string, name: string): Promise<string[]> {
  const token = await new TestClient(url, basic(username, PASSWORD)).token(`repository:${name}:pull,push`);
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    access: Array<{ type: string; name: string; actions: string[] }>;
  };
  return payload.access.filter((a) => a.type === 'repository' && a.name === name).flatMap((a) => a.actions);
}

for (const dialect of testDialects()) {
  describe(`project members API (${dialect.name})`, () => {
    let server: TestServer;
    let url: string;
    let owner: TestUser;
    let dev: TestUser;
    let guest: TestUser;
    let projectId: number;

    before(async () => {
      server = await startTestServer(dialect);
      url = server.url;
      owner = await addUser(server, 'owner');
      dev = await addUser(server, 'dev');
      guest = await addUser(server, 'guest');
      await addUser(server, 'limited');
      await addUser(server, 'Mixed.Case');
      projectId = await newProject(url, 'team', { authorization: owner.auth });
    });
    after(async () => {
      await server.close();
    });

    it('adds members by username or user id and answers Harbor member JSON', async () => {
      const devId = await addMember(url, 'team', 'dev', 2, owner.auth);
      const res = await api(url, 'POST', `/projects/${projectId}/members`, {
        authorization: owner.auth,
        body: { role_id: 3, member_user: { user_id: guest.id } },
      });
      await expectJson(res, 201);
      const location = res.headers.get('location') ?? '';
      assert.match(location, new RegExp(`^/api/v2.0/projects/${projectId}/members/\\d+$`));
      const member = await expectJson<MemberJson>(await api(url, 'GET', location.replace('/api/v2.0', ''), { authorization: dev.auth }), 200);
      assert.deepEqual(member, {
        id: member.id,
        project_id: projectId,
        entity_name: 'guest',
        role_name: 'guest',
        role_id: 3,
        entity_id: guest.id,
        entity_type: 'u',
        repository_patterns: null,
      });
      const byDev = await expectJson<MemberJson>(await api(url, 'GET', `/projects/team/members/${devId}`), 200);
      assert.equal(byDev.role_name, 'developer');
      const audit = await server.database.db.selectFrom('audit_logs').select(['operation', 'resource', 'username']).where('resource_type', '=', 'member').execute();
      assert.deepEqual(
        audit.map((a) => [a.operation, a.resource, a.username]),
        [
          ['create', 'team:dev', 'owner'],
          ['create', 'team:guest', 'owner'],
        ],
      );
    });

    it('lists members with paging and a fuzzy entity name filter', async () => {
      await addMember(url, 'team', 'Mixed.Case', 5, owner.auth);
      const all = await api(url, 'GET', '/projects/team/members?page_size=2', { authorization: guest.auth });
      const firstPage = await expectJson<MemberJson[]>(all, 200);
      assert.equal(all.headers.get('x-total-count'), '4');
      assert.deepEqual(
        firstPage.map((m) => m.entity_name),
        ['dev', 'guest'],
      );
      const filtered = await expectJson<MemberJson[]>(await api(url, 'GET', '/projects/team/members?entityname=mixed', { authorization: guest.auth }), 200);
      assert.deepEqual(
        filtered.map((m) => [m.entity_name, m.role_name]),
        [['Mixed.Case', 'limitedGuest']],
      );
      const literal = await expectJson<MemberJson[]>(await api(url, 'GET', '/projects/team/members?entityname=%25', { authorization: guest.auth }), 200);
      assert.deepEqual(literal, []);
    });

    it('checks member permissions per role', async () => {
      const mixed = basic('Mixed.Case', PASSWORD);
      await expectError(await api(url, 'GET', '/projects/team/members', { authorization: mixed }), 403);
      const refused = await expectError(
        await api(url, 'POST', '/projects/team/members', { authorization: dev.auth, body: { role_id: 2, member_user: { username: 'limited' } } }),
        403,
      );
      assert.equal(refused.code, 'FORBIDDEN');
      const members = await expectJson<MemberJson[]>(await api(url, 'GET', '/projects/team/members'), 200);
      assert.equal(
        members.some((m) => m.entity_name === 'limited'),
        false,
      );
      const devMember = members.find((m) => m.entity_name === 'dev');
      await expectError(await api(url, 'PUT', `/projects/team/members/${devMember?.id}`, { authorization: dev.auth, body: { role_id: 1 } }), 403);
      await expectError(await api(url, 'DELETE', `/projects/team/members/${devMember?.id}`, { authorization: guest.auth }), 403);
      const stranger = await addUser(server, 'stranger');
      await expectError(await api(url, 'GET', '/projects/team/members', { authorization: stranger.auth }), 404);
      await expectError(await api(url, 'GET', '/projects/team/members', { authorization: null }), 401);
    });

    it('refuses unknown users, duplicates, bad roles and malformed bodies', async () => {
      const post = (body: unknown) => api(url, 'POST', '/projects/team/members', { authorization: owner.auth, body });
      assert.equal((await expectError(await post({ role_id: 2, member_user: { username: 'nobody' } }), 404)).code, 'NOT_FOUND');
      await expectError(await post({ role_id: 2, member_user: { user_id: 424242 } }), 404);
      const duplicate = await expectError(await post({ role_id: 2, member_user: { username: 'dev' } }), 409);
      assert.equal(duplicate.code, 'CONFLICT');
      assert.match(duplicate.message, /already a member/);
      for (const role of [0, 6, 99]) await expectError(await post({ role_id: role, member_user: { username: 'limited' } }), 400);
      await expectError(await post({ role_id: '2', member_user: { username: 'limited' } }), 400);
      await expectError(await post({ role_id: 2 }), 400);
      await expectError(await post({ role_id: 2, member_group: { id: 1 } }), 400);
      await expectError(await post({ role_id: 2, member_user: { username: 'limited' }, repository_patterns: [] }), 400);
      await expectError(await post({ role_id: 2, member_user: { username: 'limited' }, repository_patterns: [''] }), 400);
      await expectError(await post({ role_id: 2, member_user: { username: 'limited' }, repository_patterns: ['x'.repeat(256)] }), 400);
      await expectError(await post({ role_id: 2, member_user: { username: 'limited' }, repository_patterns: Array.from({ length: 51 }, (_, i) => `r${i}`) }), 400);
      const named = await expectError(await post({ role_id: 2, member_user: { username: 'limited' }, repository_patterns: ['Upper/**'] }), 400);
      assert.match(named.message, /repository_patterns\.0/);
      await expectError(await api(url, 'GET', '/projects/team/members/abc'), 400);
      await expectError(await api(url, 'GET', '/projects/team/members/99999'), 404);
      await expectError(await api(url, 'PUT', '/projects/team/members/99999', { body: { role_id: 2 } }), 404);
      await expectError(await api(url, 'DELETE', '/projects/team/members/99999'), 404);
      const members = await expectJson<MemberJson[]>(await api(url, 'GET', '/projects/team/members'), 200);
      assert.equal(
        members.some((m) => m.entity_name === 'limited'),
        false,
      );
      const devMember = members.find((m) => m.entity_name === 'dev');
      await expectError(await api(url, 'PUT', `/projects/team/members/${devMember?.id}`, { body: {} }), 400);
      await expectError(await api(url, 'PUT', `/projects/team/members/${devMember?.id}`, { body: { role_id: 7 } }), 400);
      const unchanged = await expectJson<MemberJson>(await api(url, 'GET', `/projects/team/members/${devMember?.id}`), 200);
      assert.equal(unchanged.role_id, 2);
    });

    it('lets a developer push through /v2/ and gives a guest only pull', async () => {
      const devClient = new TestClient(url, basic('dev', PASSWORD));
      const { digest } = await devClient.pushImage('team/app', 'v1');
      assert.match(digest, /^sha256:/);
      assert.deepEqual((await grantedActions(url, 'dev', 'team/app')).sort(), ['pull', 'push']);

      assert.deepEqual(await grantedActions(url, 'guest', 'team/app'), ['pull']);
      const guestClient = new TestClient(url, basic('guest', PASSWORD));
      // The guest may not push at all: DENIED, not a challenge for a wider token.
      await assert.rejects(guestClient.pushImage('team/app', 'v2'), /push blob: 403 .*DENIED/);
      const pulled = await guestClient.request('GET', `/v2/team/app/manifests/v1`, {
        scope: 'repository:team/app:pull',
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      assert.equal(pulled.status, 200);
    });

    it('applies a role change at once', async () => {
      const members = await expectJson<MemberJson[]>(await api(url, 'GET', '/projects/team/members?entityname=guest'), 200);
      const guestMember = members[0];
      assert.ok(guestMember);
      await expectJson(await api(url, 'PUT', `/projects/team/members/${guestMember.id}`, { authorization: owner.auth, body: { role_id: 2 } }), 200);
      assert.deepEqual((await grantedActions(url, 'guest', 'team/app')).sort(), ['pull', 'push']);
      await expectJson(await api(url, 'PUT', `/projects/team/members/${guestMember.id}`, { authorization: owner.auth, body: { role_id: 3 } }), 200);
      assert.deepEqual(await grantedActions(url, 'guest', 'team/app'), ['pull']);
      const audit = await server.database.db
        .selectFrom('audit_logs')
        .select('operation')
        .where('resource_type', '=', 'member')
        .where('resource', '=', 'team:guest')
        .execute();
      assert.deepEqual(
        audit.map((a) => a.operation),
        ['create', 'update', 'update'],
      );
    });

    it('narrows a member to repository patterns', async () => {
      await addUser(server, 'narrow');
      const res = await api(url, 'POST', '/projects/team/members', {
        authorization: owner.auth,
        body: { role_id: 2, member_user: { username: 'narrow' }, repository_patterns: ['frontend/**', 'tools/*'] },
      });
      await expectJson(res, 201);
      const location = (res.headers.get('location') ?? '').replace('/api/v2.0', '');
      const member = await expectJson<MemberJson>(await api(url, 'GET', location), 200);
      assert.deepEqual(member.repository_patterns, ['frontend/**', 'tools/*']);
      assert.deepEqual((await grantedActions(url, 'narrow', 'team/frontend/web/app')).sort(), ['pull', 'push']);
      assert.deepEqual((await grantedActions(url, 'narrow', 'team/tools/lint')).sort(), ['pull', 'push']);
      assert.deepEqual(await grantedActions(url, 'narrow', 'team/tools/a/b'), []);
      assert.deepEqual(await grantedActions(url, 'narrow', 'team/app'), []);

      // A role change keeps the patterns; null lifts them.
      await expectJson(await api(url, 'PUT', location, { body: { role_id: 3 } }), 200);
      assert.deepEqual((await expectJson<MemberJson>(await api(url, 'GET', location), 200)).repository_patterns, ['frontend/**', 'tools/*']);
      assert.deepEqual(await grantedActions(url, 'narrow', 'team/frontend/web'), ['pull']);
      await expectJson(await api(url, 'PUT', location, { body: { repository_patterns: null } }), 200);
      const widened = await expectJson<MemberJson>(await api(url, 'GET', location), 200);
      assert.equal(widened.repository_patterns, null);
      assert.equal(widened.role_id, 3);
      assert.deepEqual(await grantedActions(url, 'narrow', 'team/app'), ['pull']);
    });

    it('refuses that the last project admin removes or demotes themself', async () => {
      const members = await expectJson<MemberJson[]>(await api(url, 'GET', '/projects/team/members?entityname=owner'), 200);
      const ownerMember = members[0];
      assert.ok(ownerMember);
      const self = `/projects/team/members/${ownerMember.id}`;
      const demote = await expectError(await api(url, 'PUT', self, { authorization: owner.auth, body: { role_id: 2 } }), 403);
      assert.match(demote.message, /last project admin/);
      await expectError(await api(url, 'DELETE', self, { authorization: owner.auth }), 403);
      // Narrowing themself without a role change is theirs to do.
      await expectJson(await api(url, 'PUT', self, { authorization: owner.auth, body: { role_id: 1, repository_patterns: ['**'] } }), 200);
      assert.equal((await expectJson<MemberJson>(await api(url, 'GET', self), 200)).role_id, 1);

      const devMember = (await expectJson<MemberJson[]>(await api(url, 'GET', '/projects/team/members?entityname=dev'), 200))[0];
      await expectJson(await api(url, 'PUT', `/projects/team/members/${devMember?.id}`, { authorization: owner.auth, body: { role_id: 1 } }), 200);
      await expectJson(await api(url, 'PUT', self, { authorization: owner.auth, body: { role_id: 4 } }), 200);
      await expectJson(await api(url, 'DELETE', self, { authorization: dev.auth }), 200);
      await expectError(await api(url, 'GET', self, { authorization: dev.auth }), 404);
      await expectError(await api(url, 'GET', '/projects/team', { authorization: owner.auth }), 404);
      const audit = await server.database.db
        .selectFrom('audit_logs')
        .select(['operation', 'username'])
        .where('resource_type', '=', 'member')
        .where('resource', '=', 'team:owner')
        .execute();
      assert.deepEqual(
        audit.map((a) => [a.operation, a.username]),
        [
          ['update', 'owner'],
          ['update', 'owner'],
          ['delete', 'dev'],
        ],
      );
    });
  });
}
