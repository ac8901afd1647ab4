import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, GROUP_TYPES, hashPassword } from '../auth/index.js';
import { api, expectJson } from '../testing/api.js';
import { basic } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';

const PASSWORD = 'Passw0rd-for-tests';

interface GroupJson {
  id: number;
  group_name: string;
  group_type: number;
  ldap_group_dn: string;
}

interface MemberJson {
  id: number;
  entity_name: string;
  entity_type: string;
  entity_id: number;
  role_id: number;
  role_name: string;
}

async function expectError(res: Response, status: number): Promise<string> {
  const body = (await expectJson<{ errors: Array<{ code: string; message: string }> }>(res, status)).errors[0];
  assert.ok(body, 'an error envelope');
  return body.message;
}

function idFrom(res: Response): number {
  const id = Number(/\/(\d+)$/.exec(res.headers.get('location') ?? '')?.[1]);
  assert.ok(id > 0, `Location ${res.headers.get('location')}`);
  return id;
}

for (const dialect of testDialects()) {
  describe(`user groups API (${dialect.name})`, () => {
    let server: TestServer;
    let url: string;
    let alice: string;
    let projectId: number;

    const create = async (body: unknown) => {
      const res = await api(url, 'POST', '/usergroups', { body });
      await expectJson(res, 201);
      return idFrom(res);
    };

    before(async () => {
      server = await startTestServer(dialect);
      url = server.url;
      await createUser(server.database.db, { username: 'alice', passwordHash: await hashPassword(PASSWORD), sysadmin: false, now: Date.now() });
      alice = basic('alice', PASSWORD);
      const res = await api(url, 'POST', '/projects', { body: { project_name: 'team', metadata: { public: 'false' } } });
      await expectJson(res, 201);
      projectId = idFrom(res);
    });
    after(() => server.close());

    it('creates HTTP, OIDC and LDAP groups, answers Harbor UserGroup JSON and records who did it', async () => {
      const res = await api(url, 'POST', '/usergroups', { body: { group_name: 'builders', group_type: 2 } });
      await expectJson(res, 201);
      assert.match(res.headers.get('location') ?? '', /^\/api\/v2\.0\/usergroups\/\d+$/);
      const http = await expectJson<GroupJson>(await api(url, 'GET', `/usergroups/${idFrom(res)}`), 200);
      assert.deepEqual(http, { id: idFrom(res), group_name: 'builders', group_type: 2, ldap_group_dn: '' });
      const oidc = await create({ group_name: 'sso-devs', group_type: 3 });
      // An LDAP group takes its name from the DN when none is given.
      const ldap = await create({ group_type: 1, ldap_group_dn: 'cn=Ops Team,ou=groups,dc=example,dc=com' });
      const ldapJson = await expectJson<GroupJson>(await api(url, 'GET', `/usergroups/${ldap}`), 200);
      assert.deepEqual(ldapJson, { id: ldap, group_name: 'Ops Team', group_type: 1, ldap_group_dn: 'cn=Ops Team,ou=groups,dc=example,dc=com' });
      assert.equal((await expectJson<GroupJson>(await api(url, 'GET', `/usergroups/${oidc}`), 200)).group_type, 3);
      const audit = await server.database.db
        .selectFrom('audit_logs')
        .select(['operation', 'resource', 'username', 'project_id'])
        .where('resource_type', '=', 'user_group')
        .orderBy('id')
        .execute();
      assert.deepEqual(
        audit.map((a) => [a.operation, a.resource, a.username, a.project_id]),
        [
          ['create', 'builders', 'admin', null],
          ['create', 'sso-devs', 'admin', null],
          ['create', 'Ops Team', 'admin', null],
        ],
      );
    });

    it('refuses duplicates with 409: the same name within HTTP or OIDC, the same DN in any case for LDAP', async () => {
      assert.match(await expectError(await api(url, 'POST', '/usergroups', { body: { group_name: 'builders', group_type: 2 } }), 409), /already exists/);
      await expectError(await api(url, 'POST', '/usergroups', { body: { group_name: 'sso-devs', group_type: 3 } }), 409);
      await expectError(await api(url, 'POST', '/usergroups', { body: { group_type: 1, ldap_group_dn: 'CN=Ops Team,OU=groups,DC=example,DC=com' } }), 409);
      // One name in two types is two groups.
      await create({ group_name: 'builders', group_type: 3 });
    });

    it('refuses bad input with 400 and unknown groups with 404', async () => {
      const post = (body: unknown) => api(url, 'POST', '/usergroups', { body });
      for (const body of [
        { group_name: 'x' },
        { group_name: 'x', group_type: 4 },
        { group_name: 'x', group_type: '2' },
        { group_type: 2 },
        { group_type: 2, group_name: '' },
        { group_type: 2, group_name: ' padded' },
        { group_type: 2, group_name: 'x'.repeat(256) },
        { group_type: 1 },
        { group_type: 1, ldap_group_dn: 'not a dn' },
        { group_type: 1, ldap_group_dn: 'cn=a,,dc=b' },
      ]) {
        await expectError(await post(body), 400);
      }
      await expectError(await api(url, 'GET', '/usergroups/abc'), 400);
      await expectError(await api(url, 'GET', '/usergroups/0'), 400);
      await expectError(await api(url, 'GET', '/usergroups/99999'), 404);
      await expectError(await api(url, 'PUT', '/usergroups/99999', { body: { group_name: 'x' } }), 404);
      await expectError(await api(url, 'PUT', '/usergroups/1', { body: { group_name: '' } }), 400);
      await expectError(await api(url, 'PUT', '/usergroups/1', { body: {} }), 400);
      await expectError(await api(url, 'DELETE', '/usergroups/99999'), 404);
      await expectError(await api(url, 'GET', '/usergroups/search'), 400);
    });

    it('lists with paging and filters by name (any part, any case) and by DN', async () => {
      const res = await api(url, 'GET', '/usergroups?page=1&page_size=2');
      const page = await expectJson<GroupJson[]>(res, 200);
      assert.equal(res.headers.get('x-total-count'), '4');
      assert.deepEqual(
        page.map((g) => [g.group_name, g.group_type]),
        [
          ['builders', 2],
          ['builders', 3],
        ],
      );
      assert.match(res.headers.get('link') ?? '', /rel="next"/);
      const byName = await expectJson<GroupJson[]>(await api(url, 'GET', '/usergroups?group_name=DEV'), 200);
      assert.deepEqual(
        byName.map((g) => g.group_name),
        ['sso-devs'],
      );
      const byDn = await expectJson<GroupJson[]>(
        await api(url, 'GET', `/usergroups?ldap_group_dn=${encodeURIComponent('cn=ops team,ou=groups,dc=example,dc=com')}`),
        200,
      );
      assert.deepEqual(
        byDn.map((g) => g.group_name),
        ['Ops Team'],
      );
    });

    it('lets every signed-in user search groups by name, showing no DN', async () => {
      const res = await api(url, 'GET', '/usergroups/search?groupname=ops', { authorization: alice });
      const found = await expectJson<Array<Record<string, unknown>>>(res, 200);
      assert.equal(res.headers.get('x-total-count'), '1');
      assert.deepEqual(Object.keys(found[0] ?? {}).sort(), ['group_name', 'group_type', 'id']);
      await expectError(await api(url, 'GET', '/usergroups/search?groupname=ops', { authorization: null }), 401);
    });

    it('keeps management to system administrators: 403 for users, 401 without credentials', async () => {
      const [group] = await expectJson<GroupJson[]>(await api(url, 'GET', '/usergroups?group_name=builders'), 200);
      for (const [method, path, body] of [
        ['GET', '/usergroups', undefined],
        ['POST', '/usergroups', { group_name: 'mine', group_type: 2 }],
        ['GET', `/usergroups/${group?.id}`, undefined],
        ['PUT', `/usergroups/${group?.id}`, { group_name: 'taken-over' }],
        ['DELETE', `/usergroups/${group?.id}`, undefined],
      ] as const) {
        await expectError(await api(url, method, path, { authorization: alice, body }), 403);
        await expectError(await api(url, method, path, { authorization: null, body }), 401);
      }
      assert.equal((await expectJson<GroupJson[]>(await api(url, 'GET', '/usergroups?group_name=mine'), 200)).length, 0);
    });

    it('renames a group; an HTTP or OIDC name already taken in the type is a 409', async () => {
      const id = await create({ group_name: 'renamed-later', group_type: 2 });
      await expectJson(await api(url, 'PUT', `/usergroups/${id}`, { body: { group_name: 'renamed' } }), 200);
      assert.equal((await expectJson<GroupJson>(await api(url, 'GET', `/usergroups/${id}`), 200)).group_name, 'renamed');
      await expectError(await api(url, 'PUT', `/usergroups/${id}`, { body: { group_name: 'builders' } }), 409);
      const audit = await server.database.db
        .selectFrom('audit_logs')
        .select(['operation', 'resource'])
        .where('resource_type', '=', 'user_group')
        .where('operation', '=', 'update')
        .execute();
      assert.deepEqual(audit, [{ operation: 'update', resource: 'renamed' }]);
    });

    it('adds groups as project members by id, by DN and by name, creating groups Harbor would onboard', async () => {
      const post = (body: unknown) => api(url, 'POST', `/projects/${projectId}/members`, { body });
      const [builders] = await expectJson<GroupJson[]>(await api(url, 'GET', '/usergroups?group_name=builders'), 200);
      await expectJson(await post({ role_id: 2, member_group: { id: builders?.id } }), 201);
      // An LDAP group by a DN Berth has not seen: created, named from the DN.
      await expectJson(await post({ role_id: 3, member_group: { ldap_group_dn: 'cn=qa,ou=groups,dc=example,dc=com' } }), 201);
      // HTTP and OIDC groups by name and type: created when new.
      await expectJson(await post({ role_id: 4, member_group: { group_name: 'release', group_type: GROUP_TYPES.http } }), 201);
      await expectJson(await post({ role_id: 5, member_group: { group_name: 'sso-devs', group_type: GROUP_TYPES.oidc } }), 201);
      const groups = await expectJson<GroupJson[]>(await api(url, 'GET', '/usergroups?page_size=100'), 200);
      assert.ok(groups.some((g) => g.group_name === 'qa' && g.group_type === 1 && g.ldap_group_dn === 'cn=qa,ou=groups,dc=example,dc=com'));
      assert.ok(groups.some((g) => g.group_name === 'release' && g.group_type === 2));

      const members = await expectJson<MemberJson[]>(await api(url, 'GET', `/projects/${projectId}/members`), 200);
      assert.deepEqual(
        members.map((m) => [m.entity_name, m.entity_type, m.role_name]),
        [
          ['admin', 'u', 'projectAdmin'],
          ['builders', 'g', 'developer'],
          ['qa', 'g', 'guest'],
          ['release', 'g', 'maintainer'],
          ['sso-devs', 'g', 'limitedGuest'],
        ],
      );
      const filtered = await expectJson<MemberJson[]>(await api(url, 'GET', `/projects/${projectId}/members?entityname=BUILD`), 200);
      assert.deepEqual(
        filtered.map((m) => m.entity_name),
        ['builders'],
      );
      const one = members.find((m) => m.entity_name === 'builders');
      const got = await expectJson<MemberJson>(await api(url, 'GET', `/projects/${projectId}/members/${one?.id}`), 200);
      assert.equal(got.entity_id, builders?.id);
      assert.equal(got.entity_type, 'g');
      await expectJson(await api(url, 'PUT', `/projects/${projectId}/members/${one?.id}`, { body: { role_id: 4 } }), 200);
      assert.equal((await expectJson<MemberJson>(await api(url, 'GET', `/projects/${projectId}/members/${one?.id}`), 200)).role_name, 'maintainer');
      const audit = await server.database.db
        .selectFrom('audit_logs')
        .select(['operation', 'resource'])
        .where('resource_type', '=', 'member')
        .orderBy('id')
        .execute();
      assert.deepEqual(
        audit.map((a) => `${a.operation} ${a.resource}`),
        ['create team:builders', 'create team:qa', 'create team:release', 'create team:sso-devs', 'update team:builders'],
      );
    });

    it('refuses duplicate group members, unknown group ids and ambiguous or unknown names', async () => {
      const post = (body: unknown) => api(url, 'POST', `/projects/${projectId}/members`, { body });
      assert.match(await expectError(await post({ role_id: 2, member_group: { group_name: 'release', group_type: 2 } }), 409), /group release is already a member/);
      await expectError(await post({ role_id: 2, member_group: { ldap_group_dn: 'CN=QA,ou=groups,dc=example,dc=com' } }), 409);
      await expectError(await post({ role_id: 2, member_group: { id: 99999 } }), 400);
      // "builders" is an HTTP and an OIDC group: the type must say which.
      assert.match(await expectError(await post({ role_id: 2, member_group: { group_name: 'builders' } }), 400), /several groups/);
      assert.match(await expectError(await post({ role_id: 2, member_group: { group_name: 'nobody-knows' } }), 400), /group_type/);
      await expectError(await post({ role_id: 2, member_group: { group_name: 'nobody-knows', group_type: 1 } }), 400);
      await expectError(await post({ role_id: 2, member_group: { group_name: 'x', group_type: 7 } }), 400);
      await expectError(await post({ role_id: 2, member_group: { ldap_group_dn: 'garbage' } }), 400);
      // A unique name without a type finds its group.
      const res = await post({ role_id: 3, member_group: { group_name: 'renamed' } });
      await expectJson(res, 201);
    });

    it('deletes a group with its project memberships', async () => {
      const [release] = await expectJson<GroupJson[]>(await api(url, 'GET', '/usergroups?group_name=release'), 200);
      await expectJson(await api(url, 'DELETE', `/usergroups/${release?.id}`), 200);
      await expectError(await api(url, 'GET', `/usergroups/${release?.id}`), 404);
      const members = await expectJson<MemberJson[]>(await api(url, 'GET', `/projects/${projectId}/members`), 200);
      assert.ok(!members.some((m) => m.entity_name === 'release'));
      const rows = await server.database.db
        .selectFrom('project_members')
        .select('id')
        .where('entity_type', '=', 'g')
        .where('entity_id', '=', release?.id ?? 0)
        .execute();
      assert.deepEqual(rows, []);
      const audit = await server.database.db
        .selectFrom('audit_logs')
        .select('resource')
        .where('resource_type', '=', 'user_group')
        .where('operation', '=', 'delete')
        .execute();
      assert.deepEqual(audit, [{ resource: 'release' }]);
    });
  });
}
