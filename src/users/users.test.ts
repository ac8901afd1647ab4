import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../auth/index.js';
import type { UserResp } from './responses.js';
import { api, expectJson } from '../testing/api.js';
import { ADMIN, basic } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';

interface ErrorBody {
  errors: Array<{ code: string; message: string }>;
}

const PASSWORD = 'Passw0rd-user';

for (const dialect of testDialects()) {
  describe(`users API (${dialect.name})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer(dialect);
    });
    after(() => server.close());

    const call = (method: string, path: string, options: Parameters<typeof api>[3] = {}) => api(server.url, method, path, options);

    async function createUser(username: string, extra: Record<string, unknown> = {}): Promise<number> {
      const res = await call('POST', '/users', { body: { username, password: PASSWORD, email: `${username}@example.com`, realname: username, ...extra } });
      await expectJson(res, 201);
      const location = res.headers.get('location') ?? '';
      assert.match(location, /^\/api\/v2\.0\/users\/\d+$/);
      return Number(location.split('/').pop());
    }

    async function expectError(res: Response, status: number, code: string, message?: RegExp): Promise<void> {
      const body = await expectJson<ErrorBody>(res, status);
      assert.equal(body.errors[0]?.code, code);
      if (message) assert.match(body.errors[0]?.message ?? '', message);
    }

    async function userCount(): Promise<number> {
      const row = await server.database.db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    }

    /** A system robot with the given system permissions, straight in the database (the robots API is another feature). */
    async function systemRobot(name: string, access: Array<{ resource: string; action: string }>): Promise<string> {
      const secret = 'Robot-secret-1';
      const now = Date.now();
      const robot = await server.database.db
        .insertInto('robots')
        .values({
          name: `robot$${name}`,
          level: 'system',
          project_id: null,
          secret_hash: await hashPassword(secret),
          duration: -1,
          expires_at: -1,
          creator: 'admin',
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await server.database.db
        .insertInto('robot_permissions')
        .values({ robot_id: robot.id, kind: 'system', namespace: '/', access: JSON.stringify(access), repository_patterns: null })
        .execute();
      return basic(`robot$${name}`, secret);
    }

    describe('POST /users', () => {
      it("creates a user and answers 201 with its Location; the user reads back in Harbor's UserResp shape", async () => {
        const id = await createUser('alice', { comment: 'first user' });
        const user = await expectJson<UserResp>(await call('GET', `/users/${id}`), 200);
        assert.deepEqual(Object.keys(user).sort(), [
          'admin_role_in_auth',
          'comment',
          'creation_time',
          'email',
          'realname',
          'sysadmin_flag',
          'update_time',
          'user_id',
          'username',
        ]);
        assert.equal(user.user_id, id);
        assert.equal(user.username, 'alice');
        assert.equal(user.email, 'alice@example.com');
        assert.equal(user.realname, 'alice');
        assert.equal(user.comment, 'first user');
        assert.equal(user.sysadmin_flag, false);
        assert.equal(user.admin_role_in_auth, false);
        assert.ok(!Number.isNaN(Date.parse(user.creation_time)));
        assert.match(user.update_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        // The new user signs in with its password.
        await expectJson(await call('GET', '/users/current', { authorization: basic('alice', PASSWORD) }), 200);
      });

      it('writes an audit record naming the creator', async () => {
        await createUser('audited');
        const row = await server.database.db.selectFrom('audit_logs').selectAll().where('resource', '=', 'audited').executeTakeFirstOrThrow();
        assert.equal(row.operation, 'create');
        assert.equal(row.resource_type, 'user');
        assert.equal(row.username, 'admin');
        assert.equal(row.success, 1);
        assert.ok(row.client_ip);
      });

      it('accepts a user without email, and "" as no email', async () => {
        const id = await createUser('noemail', { email: '' });
        assert.equal((await expectJson<UserResp>(await call('GET', `/users/${id}`), 200)).email, '');
        await createUser('noemail2', { email: undefined });
      });

      it('refuses anonymous callers with 401 and other users with 403 while self-registration is off', async () => {
        await createUser('bob');
        const before = await userCount();
        await expectError(await call('POST', '/users', { authorization: null, body: { username: 'intruder', password: PASSWORD } }), 401, 'UNAUTHORIZED');
        await expectError(
          await call('POST', '/users', { authorization: basic('bob', PASSWORD), body: { username: 'intruder', password: PASSWORD } }),
          403,
          'FORBIDDEN',
        );
        assert.equal(await userCount(), before);
      });

      it('refuses a taken username with 409, and a taken email (in any case) with 409', async () => {
        await createUser('carol');
        const before = await userCount();
        await expectError(await call('POST', '/users', { body: { username: 'carol', password: PASSWORD } }), 409, 'CONFLICT', /user carol already exists/);
        await expectError(await call('POST', '/users', { body: { username: 'carol2', password: PASSWORD, email: 'CAROL@example.com' } }), 409, 'CONFLICT', /email/);
        assert.equal(await userCount(), before);
      });

      it('refuses weak passwords with 400 and the rule in the message', async () => {
        const before = await userCount();
        for (const password of ['Sh0rt', 'alllowercase1', 'ALLUPPERCASE1', 'NoDigitsHere', `Aa1${'x'.repeat(126)}`]) {
          await expectError(
            await call('POST', '/users', { body: { username: 'weak', password } }),
            400,
            'BAD_REQUEST',
            /8 to 128 characters.*lowercase.*uppercase.*digit/,
          );
        }
        assert.equal(await userCount(), before);
      });

      it('refuses bad usernames and oversized or malformed fields with 400 naming the problem', async () => {
        const before = await userCount();
        const cases: Array<[Record<string, unknown>, RegExp]> = [
          [{ username: 'robot$sneaky' }, /reserved for robot/],
          [{ username: 'a,b' }, /must not contain/],
          [{ username: 'a"b' }, /must not contain/],
          [{ username: 'a~b' }, /must not contain/],
          [{ username: 'a#b' }, /must not contain/],
          [{ username: 'a%b' }, /must not contain/],
          [{ username: 'a:b' }, /":"/],
          [{ username: '' }, /1 to 255/],
          [{ username: 'x'.repeat(256) }, /1 to 255/],
          [{ username: 'okname', email: 'not-an-email' }, /not a valid email/],
          [{ username: 'okname', email: `${'e'.repeat(250)}@example.com` }, /at most 255/],
          [{ username: 'okname', realname: 'r'.repeat(256) }, /realname/],
          [{ username: 'okname', realname: 'a#b' }, /realname/],
          [{ username: 'okname', comment: 'c'.repeat(31) }, /comment must be at most 30/],
          [{ username: 42 }, /invalid username/],
          [{ password: PASSWORD }, /username is required/],
          [{ username: 'okname', password: undefined }, /password is required/],
        ];
        for (const [fields, message] of cases) {
          await expectError(await call('POST', '/users', { body: { password: PASSWORD, ...fields } }), 400, 'BAD_REQUEST', message);
        }
        await expectError(await call('POST', '/users', { body: [1, 2] }), 400, 'BAD_REQUEST', /JSON object/);
        const res = await fetch(`${server.url}/api/v2.0/users`, {
          method: 'POST',
          headers: { authorization: ADMIN, 'content-type': 'application/json' },
          body: '{"username":',
        });
        await expectError(res, 400, 'BAD_REQUEST');
        assert.equal(await userCount(), before);
      });

      it('lets a system robot with user:create create users, and refuses one without it', async () => {
        const creator = await systemRobot('user-creator', [{ resource: 'user', action: 'create' }]);
        const lister = await systemRobot('user-lister', [{ resource: 'user', action: 'list' }]);
        await expectJson(await call('POST', '/users', { authorization: creator, body: { username: 'robotmade', password: PASSWORD } }), 201);
        await expectError(await call('POST', '/users', { authorization: lister, body: { username: 'robotmade2', password: PASSWORD } }), 403, 'FORBIDDEN');
        const list = await expectJson<UserResp[]>(await call('GET', '/users?q=username%3Drobotmade', { authorization: lister }), 200);
        assert.deepEqual(
          list.map((u) => u.username),
          ['robotmade'],
        );
      });
    });

    describe('self-registration', () => {
      it('lets anyone register while on, never as an administrator, and refuses again when off', async () => {
        await expectJson(await call('PUT', '/configurations', { body: { self_registration: true } }), 200);
        try {
          const res = await call('POST', '/users', {
            authorization: null,
            body: { username: 'newcomer', password: PASSWORD, email: 'newcomer@example.com', sysadmin_flag: true },
          });
          await expectJson(res, 201);
          const me = await expectJson<UserResp>(await call('GET', '/users/current', { authorization: basic('newcomer', PASSWORD) }), 200);
          assert.equal(me.sysadmin_flag, false);
          const audit = await server.database.db.selectFrom('audit_logs').selectAll().where('resource', '=', 'newcomer').executeTakeFirstOrThrow();
          assert.equal(audit.username, 'newcomer');
          // The rules still apply to strangers.
          await expectError(await call('POST', '/users', { authorization: null, body: { username: 'newcomer', password: PASSWORD } }), 409, 'CONFLICT');
          await expectError(await call('POST', '/users', { authorization: null, body: { username: 'weakling', password: 'weak' } }), 400, 'BAD_REQUEST');
        } finally {
          await expectJson(await call('PUT', '/configurations', { body: { self_registration: false } }), 200);
        }
        await expectError(await call('POST', '/users', { authorization: null, body: { username: 'latecomer', password: PASSWORD } }), 401, 'UNAUTHORIZED');
      });
    });

    describe('GET /users', () => {
      before(async () => {
        for (const name of ['list-ann', 'list-ben', 'list-cat', 'list-dan']) await createUser(name);
        await createUser('list_percent');
      });

      it('lists users for an administrator with paging headers, q and sort', async () => {
        const res = await call('GET', '/users?q=username%3D~list-&sort=-username&page=1&page_size=3');
        const page = await expectJson<UserResp[]>(res, 200);
        assert.deepEqual(
          page.map((u) => u.username),
          ['list-dan', 'list-cat', 'list-ben'],
        );
        assert.equal(res.headers.get('x-total-count'), '4');
        assert.match(res.headers.get('link') ?? '', /rel="next"/);
        const second = await expectJson<UserResp[]>(await call('GET', '/users?q=username%3D~list-&sort=-username&page=2&page_size=3'), 200);
        assert.deepEqual(
          second.map((u) => u.username),
          ['list-ann'],
        );
        for (const user of page) assert.equal((user as unknown as Record<string, unknown>).password_hash, undefined);
      });

      it("matches fuzzy terms literally and without case, and takes Harbor's username/email parameters", async () => {
        const percent = await expectJson<UserResp[]>(await call('GET', `/users?q=${encodeURIComponent('username=~_percent')}`), 200);
        assert.deepEqual(
          percent.map((u) => u.username),
          ['list_percent'],
        );
        const upper = await expectJson<UserResp[]>(await call('GET', '/users?username=LIST-A'), 200);
        assert.deepEqual(
          upper.map((u) => u.username),
          ['list-ann'],
        );
        const byEmail = await expectJson<UserResp[]>(await call('GET', '/users?email=list-ben%40'), 200);
        assert.deepEqual(
          byEmail.map((u) => u.username),
          ['list-ben'],
        );
        const exact = await expectJson<UserResp[]>(await call('GET', `/users?q=${encodeURIComponent('email=list-cat@example.com')}`), 200);
        assert.deepEqual(
          exact.map((u) => u.username),
          ['list-cat'],
        );
        const some = await expectJson<UserResp[]>(await call('GET', `/users?q=${encodeURIComponent('username={list-ann list-dan}')}&sort=username`), 200);
        assert.deepEqual(
          some.map((u) => u.username),
          ['list-ann', 'list-dan'],
        );
      });

      it('refuses anonymous callers (401), other users (403) and bad parameters (400)', async () => {
        await expectError(await call('GET', '/users', { authorization: null }), 401, 'UNAUTHORIZED');
        await expectError(await call('GET', '/users', { authorization: basic('list-ann', PASSWORD) }), 403, 'FORBIDDEN');
        await expectError(await call('GET', '/users?sort=password'), 400, 'BAD_REQUEST', /cannot sort by "password"/);
        await expectError(await call('GET', '/users?q=password%3Dx'), 400, 'BAD_REQUEST');
        await expectError(await call('GET', '/users?page_size=1000'), 400, 'BAD_REQUEST');
      });
    });

    describe('GET /users/search', () => {
      it('lets any signed-in user find users by part of the name, and shows only ids and names', async () => {
        await createUser('search-zed');
        await createUser('search-zoe');
        const res = await call('GET', '/users/search?username=SEARCH-Z&page_size=1', { authorization: basic('search-zed', PASSWORD) });
        const found = await expectJson<Array<Record<string, unknown>>>(res, 200);
        assert.equal(res.headers.get('x-total-count'), '2');
        assert.deepEqual(found, [{ user_id: found[0]?.user_id, username: 'search-zed' }]);
        const none = await expectJson<unknown[]>(await call('GET', '/users/search?username=nobody-like-this'), 200);
        assert.deepEqual(none, []);
      });

      it('refuses anonymous callers (401) and a missing username (400)', async () => {
        await expectError(await call('GET', '/users/search?username=a', { authorization: null }), 401, 'UNAUTHORIZED');
        await expectError(await call('GET', '/users/search'), 400, 'BAD_REQUEST', /username is required/);
      });
    });

    describe('GET /users/{user_id} and /users/current', () => {
      it("shows users their own profile and administrators anyone's", async () => {
        const id = await createUser('self-reader');
        const other = await createUser('other-reader');
        const auth = basic('self-reader', PASSWORD);
        assert.equal((await expectJson<UserResp>(await call('GET', `/users/${id}`, { authorization: auth }), 200)).username, 'self-reader');
        await expectError(await call('GET', `/users/${other}`, { authorization: auth }), 403, 'FORBIDDEN');
        assert.equal((await expectJson<UserResp>(await call('GET', `/users/${other}`), 200)).username, 'other-reader');
        const current = await expectJson<UserResp>(await call('GET', '/users/current', { authorization: auth }), 200);
        assert.equal(current.user_id, id);
        assert.equal(current.email, 'self-reader@example.com');
      });

      it('answers 404 for unknown users, 400 for malformed ids, 401 for anonymous callers, 412 for robots', async () => {
        await expectError(await call('GET', '/users/999999'), 404, 'NOT_FOUND');
        await expectError(await call('GET', '/users/abc'), 400, 'BAD_REQUEST', /user_id/);
        await expectError(await call('GET', '/users/0'), 400, 'BAD_REQUEST');
        await expectError(await call('GET', '/users/1', { authorization: null }), 401, 'UNAUTHORIZED');
        await expectError(await call('GET', '/users/current', { authorization: null }), 401, 'UNAUTHORIZED');
        const robot = await systemRobot('current-reader', [{ resource: 'user', action: 'read' }]);
        await expectError(await call('GET', '/users/current', { authorization: robot }), 412, 'PRECONDITION');
      });
    });

    describe('PUT /users/{user_id}', () => {
      it('lets users change their own profile, and keeps fields left out', async () => {
        const id = await createUser('profiled', { comment: 'old comment' });
        const auth = basic('profiled', PASSWORD);
        await expectJson(await call('PUT', `/users/${id}`, { authorization: auth, body: { realname: 'Pro Filed', email: 'pro@example.com' } }), 200);
        const user = await expectJson<UserResp>(await call('GET', `/users/${id}`, { authorization: auth }), 200);
        assert.equal(user.realname, 'Pro Filed');
        assert.equal(user.email, 'pro@example.com');
        assert.equal(user.comment, 'old comment');
        const audit = await server.database.db
          .selectFrom('audit_logs')
          .selectAll()
          .where('resource', '=', 'profiled')
          .where('operation', '=', 'update')
          .executeTakeFirst();
        assert.equal(audit?.username, 'profiled');
      });

      it("lets administrators change anyone's profile and refuses other users", async () => {
        const id = await createUser('managed');
        await createUser('meddler');
        await expectJson(await call('PUT', `/users/${id}`, { body: { comment: 'set by admin' } }), 200);
        assert.equal((await expectJson<UserResp>(await call('GET', `/users/${id}`), 200)).comment, 'set by admin');
        await expectError(await call('PUT', `/users/${id}`, { authorization: basic('meddler', PASSWORD), body: { comment: 'hacked' } }), 403, 'FORBIDDEN');
        await expectError(await call('PUT', `/users/${id}`, { authorization: null, body: { comment: 'hacked' } }), 401, 'UNAUTHORIZED');
        assert.equal((await expectJson<UserResp>(await call('GET', `/users/${id}`), 200)).comment, 'set by admin');
      });

      it('refuses a taken email (409), bad fields (400) and unknown users (404), storing nothing', async () => {
        const id = await createUser('emailer');
        await createUser('emailholder');
        await expectError(await call('PUT', `/users/${id}`, { body: { email: 'EmailHolder@example.com' } }), 409, 'CONFLICT');
        await expectError(await call('PUT', `/users/${id}`, { body: { email: 'bad' } }), 400, 'BAD_REQUEST', /email/);
        await expectError(await call('PUT', `/users/${id}`, { body: { comment: 'c'.repeat(31) } }), 400, 'BAD_REQUEST', /comment/);
        await expectError(await call('PUT', `/users/${id}`, { body: { realname: 7 } }), 400, 'BAD_REQUEST', /realname/);
        await expectError(await call('PUT', '/users/999999', { body: { comment: 'x' } }), 404, 'NOT_FOUND');
        const user = await expectJson<UserResp>(await call('GET', `/users/${id}`), 200);
        assert.equal(user.email, 'emailer@example.com');
        assert.equal(user.comment, '');
      });
    });

    describe('PUT /users/{user_id}/password', () => {
      it('lets users change their own password when they give the old one', async () => {
        const id = await createUser('changer');
        const newPassword = 'Changed-Passw0rd';
        await expectJson(
          await call('PUT', `/users/${id}/password`, { authorization: basic('changer', PASSWORD), body: { old_password: PASSWORD, new_password: newPassword } }),
          200,
        );
        await expectJson(await call('GET', '/users/current', { authorization: basic('changer', newPassword) }), 200);
        await expectError(await call('GET', '/users/current', { authorization: basic('changer', PASSWORD) }), 401, 'UNAUTHORIZED');
      });

      it('refuses a wrong old password (403, as Harbor), a weak new one (400) and the same one again (400)', async () => {
        const id = await createUser('careful');
        const auth = basic('careful', PASSWORD);
        await expectError(
          await call('PUT', `/users/${id}/password`, { authorization: auth, body: { old_password: 'Wrong-passw0rd', new_password: 'Another-Passw0rd' } }),
          403,
          'FORBIDDEN',
          /current password is incorrect/,
        );
        await expectError(await call('PUT', `/users/${id}/password`, { authorization: auth, body: { new_password: 'Another-Passw0rd' } }), 403, 'FORBIDDEN');
        await expectError(
          await call('PUT', `/users/${id}/password`, { authorization: auth, body: { old_password: PASSWORD, new_password: 'weakpass' } }),
          400,
          'BAD_REQUEST',
          /8 to 128 characters/,
        );
        await expectError(
          await call('PUT', `/users/${id}/password`, { authorization: auth, body: { old_password: PASSWORD, new_password: PASSWORD } }),
          400,
          'BAD_REQUEST',
          /identical/,
        );
        await expectError(
          await call('PUT', `/users/${id}/password`, { authorization: auth, body: { old_password: PASSWORD } }),
          400,
          'BAD_REQUEST',
          /new_password is required/,
        );
        await expectJson(await call('GET', '/users/current', { authorization: auth }), 200);
      });

      it("lets administrators reset another user's password without the old one, and refuses other users", async () => {
        const id = await createUser('forgetful');
        await createUser('prankster');
        await expectError(
          await call('PUT', `/users/${id}/password`, { authorization: basic('prankster', PASSWORD), body: { new_password: 'Pranked-Passw0rd' } }),
          403,
          'FORBIDDEN',
        );
        await expectJson(await call('PUT', `/users/${id}/password`, { body: { new_password: 'Reset-Passw0rd' } }), 200);
        await expectJson(await call('GET', '/users/current', { authorization: basic('forgetful', 'Reset-Passw0rd') }), 200);
        await expectError(await call('PUT', '/users/999999/password', { body: { new_password: 'Reset-Passw0rd' } }), 404, 'NOT_FOUND');
      });

      it("does not let a robot with user:update change an administrator's password", async () => {
        const robot = await systemRobot('user-updater', [{ resource: 'user', action: 'update' }]);
        const id = await createUser('robot-managed');
        await expectJson(await call('PUT', `/users/${id}/password`, { authorization: robot, body: { new_password: 'Robot-set-Passw0rd' } }), 200);
        await expectError(
          await call('PUT', '/users/1/password', { authorization: robot, body: { new_password: 'Taken-over-Passw0rd' } }),
          403,
          'FORBIDDEN',
          /administrator/,
        );
        await expectError(await call('PUT', '/users/1', { authorization: robot, body: { email: 'robot@example.com' } }), 403, 'FORBIDDEN');
      });
    });

    describe('PUT /users/{user_id}/sysadmin', () => {
      it('lets administrators grant and remove the role', async () => {
        const id = await createUser('promoted');
        const auth = basic('promoted', PASSWORD);
        await expectError(await call('GET', '/users', { authorization: auth }), 403, 'FORBIDDEN');
        await expectJson(await call('PUT', `/users/${id}/sysadmin`, { body: { sysadmin_flag: true } }), 200);
        assert.equal((await expectJson<UserResp>(await call('GET', `/users/${id}`), 200)).sysadmin_flag, true);
        await expectJson(await call('GET', '/users', { authorization: auth }), 200);
        await expectJson(await call('PUT', `/users/${id}/sysadmin`, { body: { sysadmin_flag: false } }), 200);
        await expectError(await call('GET', '/users', { authorization: auth }), 403, 'FORBIDDEN');
      });

      it("refuses other users, robots, removing one's own role, unknown users and bad bodies", async () => {
        const id = await createUser('ambitious');
        await expectError(
          await call('PUT', `/users/${id}/sysadmin`, { authorization: basic('ambitious', PASSWORD), body: { sysadmin_flag: true } }),
          403,
          'FORBIDDEN',
        );
        const robot = await systemRobot('admin-maker', [{ resource: 'user', action: 'update' }]);
        await expectError(await call('PUT', `/users/${id}/sysadmin`, { authorization: robot, body: { sysadmin_flag: true } }), 403, 'FORBIDDEN');
        await expectError(await call('PUT', '/users/1/sysadmin', { body: { sysadmin_flag: false } }), 403, 'FORBIDDEN', /your own/);
        await expectError(await call('PUT', '/users/999999/sysadmin', { body: { sysadmin_flag: true } }), 404, 'NOT_FOUND');
        await expectError(await call('PUT', `/users/${id}/sysadmin`, { body: { sysadmin_flag: 'yes' } }), 400, 'BAD_REQUEST', /sysadmin_flag/);
        assert.equal((await expectJson<UserResp>(await call('GET', `/users/${id}`), 200)).sysadmin_flag, false);
        assert.equal((await expectJson<UserResp>(await call('GET', '/users/1'), 200)).sysadmin_flag, true);
      });
    });

    describe('DELETE /users/{user_id}', () => {
      it('deletes a user: it can no longer sign in, its memberships go and its projects pass to the deleter', async () => {
        const id = await createUser('leaver');
        const now = Date.now();
        const project = await server.database.db
          .insertInto('projects')
          .values({ name: 'leavers-project', owner_id: id, public: 0, created_at: now, updated_at: now })
          .returning('id')
          .executeTakeFirstOrThrow();
        await server.database.db
          .insertInto('project_members')
          .values({ project_id: project.id, entity_type: 'u', entity_id: id, role: 1, repository_patterns: null, created_at: now, updated_at: now })
          .execute();
        await expectJson(await call('DELETE', `/users/${id}`), 200);
        await expectError(await call('GET', `/users/${id}`), 404, 'NOT_FOUND');
        await expectError(await call('GET', '/users/current', { authorization: basic('leaver', PASSWORD) }), 401, 'UNAUTHORIZED');
        const members = await server.database.db.selectFrom('project_members').selectAll().where('entity_id', '=', id).execute();
        assert.deepEqual(members, []);
        const owner = await server.database.db.selectFrom('projects').select('owner_id').where('id', '=', project.id).executeTakeFirstOrThrow();
        assert.equal(owner.owner_id, 1);
        const audit = await server.database.db
          .selectFrom('audit_logs')
          .selectAll()
          .where('resource', '=', 'leaver')
          .where('operation', '=', 'delete')
          .executeTakeFirst();
        assert.equal(audit?.username, 'admin');
        // The name is free again.
        await createUser('leaver');
      });

      it('refuses anonymous callers, other users, deleting oneself, the built-in admin and unknown users', async () => {
        const id = await createUser('survivor');
        await expectError(await call('DELETE', `/users/${id}`, { authorization: null }), 401, 'UNAUTHORIZED');
        await expectError(await call('DELETE', `/users/${id}`, { authorization: basic('survivor', PASSWORD) }), 403, 'FORBIDDEN');
        await expectError(await call('DELETE', '/users/1'), 403, 'FORBIDDEN', /cannot be deleted/);
        await expectError(await call('DELETE', '/users/999999'), 404, 'NOT_FOUND');
        const second = await createUser('second-admin');
        await expectJson(await call('PUT', `/users/${second}/sysadmin`, { body: { sysadmin_flag: true } }), 200);
        await expectError(await call('DELETE', '/users/1', { authorization: basic('second-admin', PASSWORD) }), 403, 'FORBIDDEN', /cannot be deleted/);
        await expectError(await call('DELETE', `/users/${second}`, { authorization: basic('second-admin', PASSWORD) }), 403, 'FORBIDDEN', /cannot be deleted/);
        await expectJson(await call('GET', `/users/${id}`), 200);
      });

      it('never deletes the last system administrator', async () => {
        const robot = await systemRobot('user-deleter', [{ resource: 'user', action: 'delete' }]);
        const boss = await createUser('boss');
        await expectJson(await call('PUT', `/users/${boss}/sysadmin`, { body: { sysadmin_flag: true } }), 200);
        // Leave "boss" as the only administrator besides none: demote every other one.
        const admins = await server.database.db.selectFrom('users').select('id').where('sysadmin_flag', '=', 1).where('id', '!=', boss).execute();
        const bossAuth = basic('boss', PASSWORD);
        for (const { id } of admins) await expectJson(await call('PUT', `/users/${id}/sysadmin`, { authorization: bossAuth, body: { sysadmin_flag: false } }), 200);
        try {
          await expectError(await call('DELETE', `/users/${boss}`, { authorization: robot }), 403, 'FORBIDDEN', /last system administrator/);
          await expectJson(await call('GET', '/users/current', { authorization: bossAuth }), 200);
        } finally {
          for (const { id } of admins) await expectJson(await call('PUT', `/users/${id}/sysadmin`, { authorization: bossAuth, body: { sysadmin_flag: true } }), 200);
        }
        await expectJson(await call('DELETE', `/users/${boss}`, { authorization: robot }), 200);
      });
    });

    describe('GET /users/current/permissions', () => {
      let projectId: number;

      before(async () => {
        const dev = await createUser('perm-dev');
        await createUser('perm-outsider');
        const now = Date.now();
        const project = await server.database.db
          .insertInto('projects')
          .values({ name: 'perm-project', owner_id: 1, public: 0, created_at: now, updated_at: now })
          .returning('id')
          .executeTakeFirstOrThrow();
        projectId = project.id;
        await server.database.db
          .insertInto('project_members')
          .values({ project_id: projectId, entity_type: 'u', entity_id: dev, role: 2, repository_patterns: null, created_at: now, updated_at: now })
          .execute();
      });

      type Permission = { resource: string; action: string };
      const has = (list: Permission[], resource: string, action: string) => list.some((p) => p.resource === resource && p.action === action);

      it('lists what a developer holds in a project, relative or absolute', async () => {
        const auth = basic('perm-dev', PASSWORD);
        const relative = await expectJson<Permission[]>(
          await call('GET', `/users/current/permissions?scope=/project/${projectId}&relative=true`, { authorization: auth }),
          200,
        );
        assert.ok(has(relative, 'repository', 'push'));
        assert.ok(has(relative, 'repository', 'pull'));
        assert.ok(has(relative, '.', 'read'));
        assert.ok(!has(relative, 'member', 'create'));
        assert.ok(!has(relative, 'repository', 'delete'));
        const absolute = await expectJson<Permission[]>(await call('GET', `/users/current/permissions?scope=/project/${projectId}`, { authorization: auth }), 200);
        assert.ok(has(absolute, `/project/${projectId}/repository`, 'push'));
        assert.ok(has(absolute, `/project/${projectId}`, 'read'));
        assert.equal(absolute.length, relative.length);
      });

      it('lists nothing for outsiders of a private project, nothing without scope, and system permissions for administrators only', async () => {
        const outsider = basic('perm-outsider', PASSWORD);
        assert.deepEqual(await expectJson(await call('GET', `/users/current/permissions?scope=/project/${projectId}`, { authorization: outsider }), 200), []);
        assert.deepEqual(await expectJson(await call('GET', '/users/current/permissions?scope=/project/999999', { authorization: outsider }), 200), []);
        assert.deepEqual(await expectJson(await call('GET', '/users/current/permissions', { authorization: outsider }), 200), []);
        assert.deepEqual(await expectJson(await call('GET', '/users/current/permissions?scope=/system', { authorization: outsider }), 200), []);
        const admin = await expectJson<Permission[]>(await call('GET', '/users/current/permissions?scope=/system&relative=true'), 200);
        assert.ok(has(admin, 'user', 'create'));
        assert.ok(has(admin, 'configuration', 'update'));
        const absolute = await expectJson<Permission[]>(await call('GET', '/users/current/permissions?scope=/system'), 200);
        assert.ok(has(absolute, '/system/user', 'create'));
        const adminInProject = await expectJson<Permission[]>(await call('GET', `/users/current/permissions?scope=/project/${projectId}&relative=true`), 200);
        assert.ok(has(adminInProject, 'member', 'create'));
        const robot = await systemRobot('perm-robot', [{ resource: 'user', action: 'list' }]);
        const robotPermissions = await expectJson<Permission[]>(
          await call('GET', '/users/current/permissions?scope=/system&relative=true', { authorization: robot }),
          200,
        );
        assert.deepEqual(robotPermissions, [{ resource: 'user', action: 'list' }]);
      });

      it('refuses anonymous callers (401) and malformed scopes or flags (400)', async () => {
        await expectError(await call('GET', '/users/current/permissions?scope=/system', { authorization: null }), 401, 'UNAUTHORIZED');
        await expectError(await call('GET', '/users/current/permissions?scope=/projects/x'), 400, 'BAD_REQUEST', /scope/);
        await expectError(await call('GET', '/users/current/permissions?scope=/system&relative=maybe'), 400, 'BAD_REQUEST', /relative/);
      });
    });
  });
}
