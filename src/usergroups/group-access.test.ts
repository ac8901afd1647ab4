import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, ensureGroups, GROUP_TYPES, hashPassword, setUserGroups, type GroupRef } from '../auth/index.js';
import { api, expectJson } from '../testing/api.js';
import { basic, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';

const PASSWORD = 'Passw0rd-for-tests';

interface ProjectJson {
  name: string;
  current_user_role_id: number;
  current_user_role_ids: number[];
}

/**
 * A user whose last sign-in put it in these groups: what the LDAP and OIDC sign-ins do with
 * ensureGroups and setUserGroups, done here directly.
 */
async function userInGroups(server: TestServer, username: string, groups: GroupRef[]): Promise<string> {
  const db = server.database.db;
  const user = await createUser(db, { username, passwordHash: await hashPassword(PASSWORD), sysadmin: false, now: Date.now() });
  await db.transaction().execute(async (trx) => {
    const ids = await ensureGroups(trx, groups, Date.now());
    await setUserGroups(trx, user.id, ids, false);
  });
  return basic(username, PASSWORD);
}

async function addGroupMember(
  url: string,
  project: string,
  group: GroupRef,
  roleId: number,
  extra: Record<string, unknown> = {},
  authorization?: string,
): Promise<number> {
  const member_group = group.type === GROUP_TYPES.ldap ? { ldap_group_dn: group.dn } : { group_name: group.name, group_type: group.type };
  const res = await api(url, 'POST', `/projects/${project}/members`, { authorization, body: { role_id: roleId, member_group, ...extra } });
  await expectJson(res, 201);
  return Number(/\/members\/(\d+)$/.exec(res.headers.get('location') ?? '')?.[1]);
}

const developers: GroupRef = { type: GROUP_TYPES.ldap, name: 'developers', dn: 'cn=developers,ou=groups,dc=example,dc=com' };
const guests: GroupRef = { type: GROUP_TYPES.oidc, name: 'guests' };
const teamA: GroupRef = { type: GROUP_TYPES.http, name: 'team-a' };
const leads: GroupRef = { type: GROUP_TYPES.oidc, name: 'leads' };

for (const dialect of testDialects()) {
  describe(`roles given through user groups (${dialect.name})`, () => {
    let server: TestServer;
    let url: string;
    let dev: string;
    let guest: string;
    let both: string;
    let narrow: string;
    let lead: string;
    let projectId: number;

    before(async () => {
      server = await startTestServer(dialect);
      url = server.url;
      const res = await api(url, 'POST', '/projects', { body: { project_name: 'team', metadata: { public: 'false' } } });
      await expectJson(res, 201);
      projectId = Number(/\/projects\/(\d+)$/.exec(res.headers.get('location') ?? '')?.[1]);
      await addGroupMember(url, 'team', developers, 2);
      await addGroupMember(url, 'team', guests, 3);
      await addGroupMember(url, 'team', teamA, 2, { repository_patterns: ['team-a/**'] });
      dev = await userInGroups(server, 'dev', [developers]);
      guest = await userInGroups(server, 'guest', [guests]);
      // A direct guest who is also in the developers' group.
      both = await userInGroups(server, 'both', [guests, { ...developers, dn: 'CN=Developers,OU=groups,DC=example,DC=com' }]);
      await expectJson(await api(url, 'POST', '/projects/team/members', { body: { role_id: 3, member_user: { username: 'both' } } }), 201);
      narrow = await userInGroups(server, 'narrow', [teamA]);
      lead = await userInGroups(server, 'lead', [leads]);
    });
    after(() => server.close());

    it("pushes through /v2/ by the group's developer role, and a guest group's member is refused", async () => {
      const pushed = await new TestClient(url, dev).pushImage('team/app', 'v1');
      assert.match(pushed.digest, /^sha256:/);
      const pull = await new TestClient(url, guest).request('GET', `/v2/team/app/manifests/v1`, {
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
        scope: 'repository:team/app:pull',
      });
      assert.equal(pull.status, 200);
      await assert.rejects(new TestClient(url, guest).pushImage('team/app', 'v2'), /push blob: 40[13]/);
      const outsiderToken = await new TestClient(url, guest).token('repository:team/app:pull,push');
      const payload = JSON.parse(Buffer.from(outsiderToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { access: Array<{ actions: string[] }> };
      assert.deepEqual(payload.access[0]?.actions, ['pull']);
    });

    it("gives the highest of the own role and the groups' roles, and shows them all in the project listing", async () => {
      await new TestClient(url, both).pushImage('team/both', 'v1');
      const projects = await expectJson<ProjectJson[]>(await api(url, 'GET', '/projects', { authorization: both }), 200);
      assert.deepEqual(
        projects.filter((p) => p.name !== 'library').map((p) => [p.name, p.current_user_role_id, p.current_user_role_ids]),
        [['team', 2, [2, 3]]],
      );
      const single = await expectJson<ProjectJson>(await api(url, 'GET', '/projects/team', { authorization: dev }), 200);
      assert.deepEqual([single.current_user_role_id, single.current_user_role_ids], [2, [2]]);
    });

    it('lists the project, its repositories and the current permissions for a member through a group only', async () => {
      const projects = await expectJson<ProjectJson[]>(await api(url, 'GET', '/projects', { authorization: guest }), 200);
      assert.deepEqual(
        projects.filter((p) => p.name !== 'library').map((p) => [p.name, p.current_user_role_id]),
        [['team', 3]],
      );
      const repositories = await expectJson<Array<{ name: string }>>(await api(url, 'GET', '/repositories', { authorization: guest }), 200);
      assert.ok(repositories.some((r) => r.name === 'team/app'));
      type Permission = { resource: string; action: string };
      const permissions = (auth: string) => api(url, 'GET', `/users/current/permissions?scope=/project/${projectId}&relative=true`, { authorization: auth });
      const ofDev = await expectJson<Permission[]>(await permissions(dev), 200);
      const ofGuest = await expectJson<Permission[]>(await permissions(guest), 200);
      assert.ok(ofDev.some((p) => p.resource === 'repository' && p.action === 'push'));
      assert.ok(ofGuest.some((p) => p.resource === 'repository' && p.action === 'pull'));
      assert.ok(!ofGuest.some((p) => p.resource === 'repository' && p.action === 'push'));
    });

    it("narrows a group's grant to its repository patterns", async () => {
      const client = new TestClient(url, narrow);
      await client.pushImage('team/team-a/app', 'v1');
      await assert.rejects(client.pushImage('team/other/app', 'v1'), /push blob: 40[13]/);
    });

    it('keeps a project admin through a group from removing the last admin membership they hold', async () => {
      const created = await api(url, 'POST', '/projects', { authorization: lead, body: { project_name: 'led', metadata: { public: 'false' } } });
      await expectJson(created, 201);
      const groupMember = await addGroupMember(url, 'led', leads, 1, {}, lead);
      const members = await expectJson<Array<{ id: number; entity_name: string }>>(await api(url, 'GET', '/projects/led/members', { authorization: lead }), 200);
      const own = members.find((m) => m.entity_name === 'lead');
      // The group still makes lead a project admin, so lead may leave as a user.
      await expectJson(await api(url, 'DELETE', `/projects/led/members/${own?.id}`, { authorization: lead }), 200);
      const refused = await expectJson<{ errors: Array<{ message: string }> }>(
        await api(url, 'DELETE', `/projects/led/members/${groupMember}`, { authorization: lead }),
        403,
      );
      assert.match(refused.errors[0]?.message ?? '', /last project admin/);
      await expectJson(await api(url, 'PUT', `/projects/led/members/${groupMember}`, { authorization: lead, body: { role_id: 2 } }), 403);
      // A project admin through a group sees the project's audit log and the robot permission catalogue.
      const logs = await expectJson<Array<{ resource: string }>>(await api(url, 'GET', '/audit-logs', { authorization: lead }), 200);
      assert.ok(logs.some((l) => l.resource === 'led:leads'));
      await expectJson(await api(url, 'GET', '/permissions', { authorization: lead }), 200);
    });

    it('takes a group grant away when the group is deleted', async () => {
      const [group] = await expectJson<Array<{ id: number }>>(await api(url, 'GET', '/usergroups?group_name=developers'), 200);
      await expectJson(await api(url, 'DELETE', `/usergroups/${group?.id}`), 200);
      await assert.rejects(new TestClient(url, dev).pushImage('team/app', 'v3'), /push blob: 40[13]/);
      const left = await expectJson<ProjectJson[]>(await api(url, 'GET', '/projects', { authorization: dev }), 200);
      assert.deepEqual(
        left.map((p) => p.name),
        ['library'],
      );
    });
  });
}
