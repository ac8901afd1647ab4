import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, hashPassword } from '../../auth/index.js';
import { api, expectJson } from '../../testing/api.js';
import { basic } from '../../testing/client.js';
import { testDialects } from '../../testing/dialects.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { BASE_DN, groupDn, GROUPS_DN, passwordOf, READER_DN, READER_PASSWORD, skipUnlessSlapd, Slapd } from '../../testing/slapd.js';
import { eventually } from '../../testing/wait.js';
import { openSecrets } from '../../platform/secrets/index.js';
import { SEALED_SETTINGS, Settings } from '../../platform/settings/index.js';
import { ldapGroupExists } from './index.js';

const DEVELOPER = 2;

/** Harbor's ldap_* settings for the test directory. */
function ldapSettings(slapd: Slapd, url = slapd.url): Record<string, unknown> {
  return {
    ldap_url: url,
    ldap_search_dn: READER_DN,
    ldap_search_password: READER_PASSWORD,
    ldap_base_dn: BASE_DN,
    ldap_filter: '(objectClass=inetOrgPerson)',
    ldap_uid: 'uid',
    ldap_scope: 2,
    ldap_group_base_dn: GROUPS_DN,
    ldap_group_search_filter: 'objectClass=groupOfNames',
    ldap_group_attribute_name: 'cn',
    ldap_group_search_scope: 2,
    ldap_group_admin_dn: groupDn('admins'),
    ldap_timeout: 3,
  };
}

const errorMessage = async (res: Response, status: number): Promise<string> =>
  (await expectJson<{ errors: Array<{ message: string }> }>(res, status)).errors[0]?.message ?? '';

/** The repository actions a token for `scope` grants `authorization`; the status when refused. */
async function granted(server: TestServer, authorization: string, scope: string): Promise<string[] | number> {
  const res = await fetch(`${server.url}/service/token?service=berth-registry&scope=${encodeURIComponent(scope)}`, { headers: { authorization } });
  if (res.status !== 200) return res.status;
  const { token } = (await res.json()) as { token: string };
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { access: Array<{ actions: string[] }> };
  return (claims.access[0]?.actions ?? []).sort();
}

async function login(server: TestServer, principal: string, password: string): Promise<Response> {
  return fetch(`${server.url}/c/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ principal, password }).toString(),
  });
}

const cookieOf = (res: Response): string => (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

describe('sign-in by LDAP against slapd', { skip: skipUnlessSlapd() }, () => {
  let slapd: Slapd;

  before(async () => {
    slapd = await Slapd.start({
      users: ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace'].map((uid) => ({ uid, cn: `${uid[0]?.toUpperCase()}${uid.slice(1)} Example` })),
      groups: [
        { cn: 'devs', members: ['alice'] },
        // Nested: devs inside engineering; engineering is granted the project role.
        { cn: 'engineering', members: [{ group: 'devs' }] },
        { cn: 'admins', members: ['carol'] },
        { cn: 'others', members: ['bob', 'grace'] },
      ],
    });
  });
  after(() => slapd?.stop());

  for (const dialect of testDialects()) {
    describe(dialect.name, () => {
      let server: TestServer;
      let projectId = 0;
      const ALICE = () => basic('alice', passwordOf('alice'));

      before(async () => {
        server = await startTestServer(dialect);
        await expectJson(await api(server.url, 'PUT', '/configurations', { body: { auth_mode: 'ldap_auth', ...ldapSettings(slapd) } }), 200);
        await expectJson(await api(server.url, 'POST', '/projects', { body: { project_name: 'ldap-proj', metadata: { public: 'false' } } }), 201);
        projectId = (await expectJson<{ project_id: number }>(await api(server.url, 'GET', '/projects/ldap-proj'), 200)).project_id;
        // The engineering group is a developer of the project (the /usergroups API is another feature's: the row as it writes it).
        const now = Date.now();
        const group = await server.database.db
          .insertInto('user_groups')
          .values({
            group_name: 'engineering',
            group_type: 1,
            ldap_group_dn: groupDn('engineering'),
            group_key: groupDn('engineering'),
            created_at: now,
            updated_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await server.database.db
          .insertInto('project_members')
          .values({ project_id: projectId, entity_type: 'g', entity_id: group.id, role: DEVELOPER, repository_patterns: null, created_at: now, updated_at: now })
          .execute();
      });
      after(() => server?.close());

      it('pings the stored server, and says why a bad password or an unreachable host fails (400)', async () => {
        const ok = await expectJson<{ success: boolean; message: string }>(await api(server.url, 'POST', '/ldap/ping', { body: {} }), 200);
        assert.equal(ok.success, true);
        assert.match(ok.message, /bound as cn=reader/);
        // The stored password serves a body that leaves it out.
        assert.equal(
          (await expectJson<{ success: boolean }>(await api(server.url, 'POST', '/ldap/ping', { body: { ldap_url: slapd.url, ldap_search_dn: READER_DN } }), 200))
            .success,
          true,
        );
        assert.match(
          await errorMessage(await api(server.url, 'POST', '/ldap/ping', { body: { ldap_search_password: 'wrong' } }), 400),
          /refused the search DN's credentials/,
        );
        const unreachable = await api(server.url, 'POST', '/ldap/ping', {
          body: { ldap_url: 'ldap://127.0.0.1:1', ldap_search_password: 'x', ldap_connection_timeout: 2 },
        });
        assert.match(await errorMessage(unreachable, 400), /cannot reach the LDAP server ldap:\/\/127\.0\.0\.1:1/);
        // The stored password never goes to another server than the stored one.
        assert.match(await errorMessage(await api(server.url, 'POST', '/ldap/ping', { body: { ldap_url: 'ldap://127.0.0.1:1' } }), 400), /no search password/);
        assert.match(
          await errorMessage(await api(server.url, 'POST', '/ldap/ping', { body: { ldap_base_dn: 'dc=nowhere' } }), 400),
          /base DN dc=nowhere does not exist/,
        );
        assert.match(
          await errorMessage(await api(server.url, 'POST', '/ldap/ping', { body: { ldap_url: 'http://example.org', ldap_search_password: 'x' } }), 400),
          /ldap:\/\/ or ldaps:\/\//,
        );
      });

      it('creates the account at the first portal sign-in and records nested groups', async (t) => {
        const started = performance.now();
        const res = await login(server, 'alice', passwordOf('alice'));
        assert.equal(res.status, 200, await res.text());
        const took = performance.now() - started;
        const me = await expectJson<{ username: string; email: string; realname: string; sysadmin_flag: boolean }>(
          await fetch(`${server.url}/api/v2.0/users/current`, { headers: { cookie: cookieOf(res) } }),
          200,
        );
        assert.deepEqual([me.username, me.email, me.realname, me.sysadmin_flag], ['alice', 'alice@example.org', 'Alice Example', false]);
        const groups = await server.database.db
          .selectFrom('user_group_members')
          .innerJoin('user_groups', 'user_groups.id', 'user_group_members.group_id')
          .innerJoin('users', 'users.id', 'user_group_members.user_id')
          .select('user_groups.ldap_group_dn')
          .where('users.username', '=', 'alice')
          .execute();
        assert.deepEqual(groups.map((g) => g.ldap_group_dn.toLowerCase()).sort(), [groupDn('devs'), groupDn('engineering')]);
        assert.ok(took < 5000, `first sign-in took ${Math.round(took)} ms`);
        t.diagnostic(`first sign-in (search, bind, nested groups, account created): ${Math.round(took)} ms`);
      });

      it("gives a nested group member its group's project role through /service/token", async (t) => {
        await new Promise((resolve) => setTimeout(resolve, 5100)); // past the 5 s reuse of the portal sign-in
        let started = performance.now();
        assert.deepEqual(await granted(server, ALICE(), 'repository:ldap-proj/app:pull,push'), ['pull', 'push']);
        const asked = performance.now() - started;
        started = performance.now();
        assert.deepEqual(await granted(server, ALICE(), 'repository:ldap-proj/app:pull,push'), ['pull', 'push']);
        t.diagnostic(`token with the directory asked: ${Math.round(asked)} ms; within 5 s, reused: ${Math.round(performance.now() - started)} ms`);
        assert.deepEqual(await granted(server, basic('bob', passwordOf('bob')), 'repository:ldap-proj/app:pull,push'), []);
        assert.equal(await granted(server, basic('alice', 'wrong'), 'repository:ldap-proj/app:pull'), 401);
        assert.equal(await granted(server, basic('alice', ''), 'repository:ldap-proj/app:pull'), 401);
        assert.equal(await granted(server, basic('nobody', 'x'), 'repository:ldap-proj/app:pull'), 401);
      });

      it('lets the local admin sign in with the local password and refuses other local users', async () => {
        await expectJson(await api(server.url, 'GET', '/users/current'), 200);
        await createUser(server.database.db, { username: 'local-user', passwordHash: await hashPassword('Local-passw0rd'), sysadmin: false, now: Date.now() });
        assert.equal((await login(server, 'local-user', 'Local-passw0rd')).status, 401);
        assert.equal(await granted(server, basic('local-user', 'Local-passw0rd'), 'repository:ldap-proj/app:pull'), 401);
      });

      it('makes members of ldap_group_admin_dn system administrators', async () => {
        const carol = basic('carol', passwordOf('carol'));
        const me = await expectJson<{ sysadmin_flag: boolean; admin_role_in_auth: boolean }>(
          await api(server.url, 'GET', '/users/current', { authorization: carol }),
          200,
        );
        assert.equal(me.admin_role_in_auth, true);
        await expectJson(await api(server.url, 'GET', '/configurations', { authorization: carol }), 200);
        // A plain LDAP user may not use the LDAP API.
        assert.equal((await api(server.url, 'POST', '/ldap/ping', { authorization: ALICE(), body: {} })).status, 403);
        assert.equal((await api(server.url, 'GET', '/ldap/users/search?username=bob', { authorization: ALICE() })).status, 403);
      });

      it('refuses a locked account with a clear message, also to a client that signed in just before', async () => {
        const dave = basic('dave', passwordOf('dave'));
        assert.deepEqual(await granted(server, dave, 'repository:ldap-proj/app:pull'), []);
        await slapd.lock('dave');
        const refusal = await eventually(async () => {
          const res = await fetch(`${server.url}/service/token?service=berth-registry&scope=repository:ldap-proj/app:pull`, { headers: { authorization: dave } });
          return res.status === 401 ? res : undefined;
        });
        assert.match(await errorMessage(refusal, 401), /LDAP account is disabled or locked/);
        assert.match(await errorMessage(await login(server, 'dave', passwordOf('dave')), 401), /LDAP account is disabled or locked/);
        // Unlocked, the account signs in again (and the next dialect's suite finds it as it began).
        await slapd.unlock('dave');
        assert.equal((await login(server, 'dave', passwordOf('dave'))).status, 200);
      });

      it('takes a group change at the next sign-in', async () => {
        const erin = basic('erin', passwordOf('erin'));
        assert.deepEqual(await granted(server, erin, 'repository:ldap-proj/app:pull,push'), []);
        await slapd.addMember('devs', 'erin');
        assert.deepEqual(
          await eventually(async () => (((await granted(server, erin, 'repository:ldap-proj/app:pull,push')) as string[]).length ? ['granted'] : undefined)),
          ['granted'],
        );
        await slapd.removeMember('devs', 'erin');
        await eventually(async () => (((await granted(server, erin, 'repository:ldap-proj/app:pull,push')) as string[]).length === 0 ? true : undefined));
      });

      it('searches users and groups, escaping what is typed', async () => {
        const users = await expectJson<Array<{ username: string; email: string; realname: string }>>(
          await api(server.url, 'GET', '/ldap/users/search?username=bob'),
          200,
        );
        assert.deepEqual(users, [{ username: 'bob', email: 'bob@example.org', realname: 'Bob Example' }]);
        assert.deepEqual(await expectJson(await api(server.url, 'GET', `/ldap/users/search?username=${encodeURIComponent('*')}`), 200), []);
        assert.deepEqual(await expectJson(await api(server.url, 'GET', `/ldap/users/search?username=${encodeURIComponent('bob)(uid=*')}`), 200), []);
        const all = await expectJson<unknown[]>(await api(server.url, 'GET', '/ldap/users/search'), 200);
        assert.equal(all.length, 7);
        const byName = await expectJson<Array<{ group_name: string; group_type: number; ldap_group_dn: string }>>(
          await api(server.url, 'GET', '/ldap/groups/search?groupname=devs'),
          200,
        );
        assert.deepEqual(byName, [{ group_name: 'devs', group_type: 1, ldap_group_dn: groupDn('devs') }]);
        const byDn = await expectJson<Array<{ group_name: string }>>(
          await api(server.url, 'GET', `/ldap/groups/search?groupdn=${encodeURIComponent(groupDn('engineering'))}`),
          200,
        );
        assert.equal(byDn[0]?.group_name, 'engineering');
        assert.equal((await api(server.url, 'GET', '/ldap/groups/search?groupname=nothing')).status, 404);
        assert.equal((await api(server.url, 'GET', '/ldap/groups/search')).status, 400);
        const secrets = await openSecrets(server.config, server.database.db, [SEALED_SETTINGS]);
        const settings = new Settings(server.database, server.config, secrets);
        const exists = ldapGroupExists({ config: server.config, database: server.database, settings, clock: { now: () => Date.now() } });
        assert.equal(await exists(groupDn('admins')), true);
        assert.equal(await exists(`cn=ghost,${GROUPS_DN}`), false);
      });

      it('adds an LDAP user group only for a DN the directory has', async () => {
        const ghost = `cn=ghost,${GROUPS_DN}`;
        const message = await errorMessage(await api(server.url, 'POST', '/usergroups', { body: { group_type: 1, ldap_group_dn: ghost } }), 400);
        assert.match(message, /is not found in the directory/);
        assert.equal((await api(server.url, 'GET', `/usergroups?ldap_group_dn=${encodeURIComponent(ghost)}`)).headers.get('x-total-count'), '0');
        // A DN the directory has passes the check (devs may be recorded already by a sign-in: then 409, not 400).
        const known = await api(server.url, 'POST', '/usergroups', { body: { group_type: 1, ldap_group_dn: groupDn('devs'), group_name: 'devs' } });
        assert.ok([201, 409].includes(known.status), `status ${known.status}`);
      });

      it('imports users, answering 404 with the uids it could not import', async () => {
        const res = await api(server.url, 'POST', '/ldap/users/import', { body: { ldap_uid_list: ['frank', 'nobody', 'alice'] } });
        const failed = await expectJson<Array<{ uid: string; error: string }>>(res, 404);
        assert.deepEqual(failed, [
          { uid: 'nobody', error: 'not found in LDAP' },
          { uid: 'alice', error: 'user already exists' },
        ]);
        const found = await expectJson<Array<{ username: string }>>(await api(server.url, 'GET', '/users/search?username=frank'), 200);
        assert.deepEqual(
          found.map((u) => u.username),
          ['frank'],
        );
        await expectJson(await api(server.url, 'POST', '/ldap/users/import', { body: { ldap_uid_list: ['grace'] } }), 200);
        assert.equal((await api(server.url, 'POST', '/ldap/users/import', { body: { ldap_uid_list: [] } })).status, 400);
        // An imported user signs in by LDAP, never with a local password.
        assert.equal((await login(server, 'frank', passwordOf('frank'))).status, 200);
      });
    });
  }

  describe('TLS', () => {
    let plain: TestServer;
    let trusting: TestServer;
    before(async () => {
      const [dialect] = testDialects();
      if (!dialect) throw new Error('no dialect');
      // StartTLS without the CA: a connection that upgrades must fail to verify the server.
      plain = await startTestServer(dialect, { ldap: { startTls: true } });
      trusting = await startTestServer(dialect, { ldap: { ca: slapd.caFile, startTls: true } });
      for (const server of [plain, trusting]) {
        await expectJson(await api(server.url, 'PUT', '/configurations', { body: { auth_mode: 'ldap_auth', ...ldapSettings(slapd, slapd.ldapsUrl) } }), 200);
      }
    });
    after(async () => {
      await plain?.close();
      await trusting?.close();
    });

    it('connects by ldaps:// with the CA of ldap.ca, and refuses an unknown CA unless ldap_verify_cert is off', async () => {
      assert.equal((await expectJson<{ success: boolean }>(await api(trusting.url, 'POST', '/ldap/ping', { body: {} }), 200)).success, true);
      assert.match(await errorMessage(await api(plain.url, 'POST', '/ldap/ping', { body: {} }), 400), /certificate/i);
      assert.equal((await expectJson<{ success: boolean }>(await api(plain.url, 'POST', '/ldap/ping', { body: { ldap_verify_cert: false } }), 200)).success, true);
      assert.equal((await login(trusting, 'alice', passwordOf('alice'))).status, 200);
    });

    it('upgrades ldap:// with StartTLS when ldap.startTls is set', async () => {
      assert.equal(
        (
          await expectJson<{ success: boolean }>(
            await api(trusting.url, 'POST', '/ldap/ping', { body: { ldap_url: slapd.url, ldap_search_password: READER_PASSWORD } }),
            200,
          )
        ).success,
        true,
      );
      await expectJson(await api(trusting.url, 'PUT', '/configurations', { body: { ldap_url: slapd.url } }), 200);
      assert.deepEqual(await granted(trusting, basic('bob', passwordOf('bob')), 'repository:ldap-proj/app:pull'), []);
      const untrusted = await api(plain.url, 'POST', '/ldap/ping', { body: { ldap_url: slapd.url, ldap_search_password: READER_PASSWORD } });
      assert.match(await errorMessage(untrusted, 400), /certificate/i);
    });
  });
});
