import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../auth/index.js';
import { api, expectJson } from '../testing/api.js';
import { basic } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';

const PASSWORD = 'Passw0rd-user';
const CSRF = 'x-harbor-csrf-token';

interface Login {
  res: Response;
  cookie: string;
  csrf: string;
}

for (const dialect of testDialects()) {
  describe(`browser sessions (${dialect.name})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer(dialect, { server: { trustProxy: true } });
      for (const username of ['surfer', 'clicker', 'leaver', 'reset-victim', 'slow', 'mailer', 'changer', 'basic-changer']) {
        await expectJson(await api(server.url, 'POST', '/users', { body: { username, password: PASSWORD, email: `${username}@example.com` } }), 201);
      }
    });
    after(() => server.close());

    function form(fields: Record<string, string>): string {
      return new URLSearchParams(fields).toString();
    }

    async function login(principal: string, password: string, headers: Record<string, string> = {}): Promise<Login> {
      const res = await fetch(`${server.url}/c/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: form({ principal, password }),
      });
      const setCookie = res.headers.getSetCookie()[0] ?? '';
      return { res, cookie: setCookie.split(';')[0] ?? '', csrf: res.headers.get(CSRF) ?? '' };
    }

    function withSession(session: Login, headers: Record<string, string> = {}): { authorization: null; headers: Record<string, string> } {
      return { authorization: null, headers: { cookie: session.cookie, ...headers } };
    }

    async function userId(username: string): Promise<number> {
      const row = await server.database.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow();
      return row.id;
    }

    it("signs in from the portal's form: 200, an HttpOnly SameSite=Strict cookie and the CSRF token", async () => {
      const session = await login('surfer', PASSWORD);
      assert.equal(session.res.status, 200);
      const setCookie = session.res.headers.getSetCookie()[0] ?? '';
      assert.match(setCookie, /^sid=[A-Za-z0-9_-]{20,}; /);
      assert.match(setCookie, /; HttpOnly/);
      assert.match(setCookie, /; SameSite=Strict/);
      assert.match(setCookie, /; Path=\//);
      assert.doesNotMatch(setCookie, /Secure/);
      assert.ok(session.csrf.length >= 20);
      // The cookie alone authenticates reads, and every answer carries the token again.
      const res = await api(server.url, 'GET', '/users/current', withSession(session));
      assert.equal(res.headers.get(CSRF), session.csrf);
      assert.equal((await expectJson<{ username: string }>(res, 200)).username, 'surfer');
      const audit = await server.database.db
        .selectFrom('audit_logs')
        .selectAll()
        .where('operation', '=', 'login')
        .where('username', '=', 'surfer')
        .executeTakeFirstOrThrow();
      assert.equal(audit.resource_type, 'user');
      assert.equal(audit.success, 1);
      assert.ok(audit.client_ip);
    });

    it('accepts JSON, and the email as principal', async () => {
      const res = await fetch(`${server.url}/c/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ principal: 'surfer', password: PASSWORD }),
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.getSetCookie()[0] ?? '', /^sid=/);
      const byEmail = await login('Mailer@example.com', PASSWORD);
      assert.equal(byEmail.res.status, 200);
      assert.equal((await expectJson<{ username: string }>(await api(server.url, 'GET', '/users/current', withSession(byEmail)), 200)).username, 'mailer');
    });

    it('marks the cookie Secure when the request came over https', async () => {
      const session = await login('surfer', PASSWORD, { 'x-forwarded-proto': 'https' });
      assert.equal(session.res.status, 200);
      assert.match(session.res.headers.getSetCookie()[0] ?? '', /; Secure/);
    });

    it('needs the CSRF header for changes made with the session cookie', async () => {
      const session = await login('clicker', PASSWORD);
      const id = await userId('clicker');
      const forged = await api(server.url, 'PUT', `/users/${id}`, { ...withSession(session), body: { comment: 'forged' } });
      assert.equal((await expectJson<{ errors: Array<{ code: string }> }>(forged, 403)).errors[0]?.code, 'FORBIDDEN');
      const wrong = await api(server.url, 'PUT', `/users/${id}`, { ...withSession(session, { [CSRF]: 'not-the-token' }), body: { comment: 'forged' } });
      assert.equal(wrong.status, 403);
      const current = await expectJson<{ comment: string }>(await api(server.url, 'GET', `/users/${id}`, withSession(session)), 200);
      assert.equal(current.comment, '');
      await expectJson(
        await api(server.url, 'PUT', `/users/${id}`, { ...withSession(session, { [CSRF]: session.csrf }), body: { comment: 'from the portal' } }),
        200,
      );
      const changed = await expectJson<{ comment: string }>(await api(server.url, 'GET', `/users/${id}`, withSession(session)), 200);
      assert.equal(changed.comment, 'from the portal');
    });

    it('answers wrong credentials with 401, records the failure, and slows a repeated failure down', async () => {
      const first = await login('slow', 'Wrong-passw0rd');
      assert.equal(first.res.status, 401);
      assert.deepEqual(first.res.headers.getSetCookie(), []);
      assert.equal(((await first.res.json()) as { errors: Array<{ code: string }> }).errors[0]?.code, 'UNAUTHORIZED');
      const started = Date.now();
      const second = await login('slow', 'Wrong-passw0rd-2');
      assert.equal(second.res.status, 401);
      assert.ok(Date.now() - started >= 1000, `second failure took only ${Date.now() - started} ms`);
      const failures = await server.database.db
        .selectFrom('audit_logs')
        .selectAll()
        .where('operation', '=', 'login')
        .where('username', '=', 'slow')
        .where('success', '=', 0)
        .execute();
      assert.equal(failures.length, 2);
      assert.ok(failures[0]?.client_ip);
      assert.equal((await login('nobody-at-all', PASSWORD)).res.status, 401);
    });

    it('refuses robots and malformed forms', async () => {
      const now = Date.now();
      await server.database.db
        .insertInto('robots')
        .values({
          name: 'robot$portal',
          level: 'system',
          project_id: null,
          secret_hash: await hashPassword('Robot-secret-1'),
          duration: -1,
          expires_at: -1,
          creator: 'admin',
          created_at: now,
          updated_at: now,
        })
        .execute();
      assert.equal((await login('robot$portal', 'Robot-secret-1')).res.status, 401);
      const missing = await fetch(`${server.url}/c/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form({ principal: 'surfer' }),
      });
      const body = await expectJson<{ errors: Array<{ code: string; message: string }> }>(missing, 400);
      assert.match(body.errors[0]?.message ?? '', /password is required/);
    });

    it('signs out: the session is gone and the cookie cleared', async () => {
      const session = await login('leaver', PASSWORD);
      await expectJson(await api(server.url, 'GET', '/users/current', withSession(session)), 200);
      const res = await fetch(`${server.url}/c/log_out`, { headers: { cookie: session.cookie } });
      assert.equal(res.status, 200);
      assert.match(res.headers.getSetCookie()[0] ?? '', /^sid=; .*Max-Age=0/);
      await expectJson(await api(server.url, 'GET', '/users/current', withSession(session)), 401);
      // Signing out without a session is harmless.
      assert.equal((await fetch(`${server.url}/c/log_out`)).status, 200);
    });

    it("ends a user's sessions when an administrator resets the password", async () => {
      const session = await login('reset-victim', PASSWORD);
      await expectJson(await api(server.url, 'GET', '/users/current', withSession(session)), 200);
      const id = await userId('reset-victim');
      await expectJson(await api(server.url, 'PUT', `/users/${id}/password`, { body: { new_password: 'Reset-Passw0rd' } }), 200);
      await expectJson(await api(server.url, 'GET', '/users/current', withSession(session)), 401);
      assert.equal((await login('reset-victim', 'Reset-Passw0rd')).res.status, 200);
    });

    it('Changing a password leaves other sessions valid (end them)', async () => {
      // Changed by the user through one session: that one stays, every other one ends.
      const here = await login('changer', PASSWORD);
      const elsewhere = await login('changer', PASSWORD);
      const id = await userId('changer');
      await expectJson(
        await api(server.url, 'PUT', `/users/${id}/password`, {
          ...withSession(here, { [CSRF]: here.csrf }),
          body: { old_password: PASSWORD, new_password: 'Changer-Passw0rd' },
        }),
        200,
      );
      await expectJson(await api(server.url, 'GET', '/users/current', withSession(here)), 200);
      await expectJson(await api(server.url, 'GET', '/users/current', withSession(elsewhere)), 401);
      await expectJson(await api(server.url, 'GET', '/users/current', { authorization: basic('changer', PASSWORD) }), 401);
      await expectJson(await api(server.url, 'GET', '/users/current', { authorization: basic('changer', 'Changer-Passw0rd') }), 200);

      // Changed by the user over Basic auth: no session is theirs to keep, so all end.
      const first = await login('basic-changer', PASSWORD);
      const second = await login('basic-changer', PASSWORD);
      const otherId = await userId('basic-changer');
      await expectJson(
        await api(server.url, 'PUT', `/users/${otherId}/password`, {
          authorization: basic('basic-changer', PASSWORD),
          body: { old_password: PASSWORD, new_password: 'Basic-Passw0rd' },
        }),
        200,
      );
      await expectJson(await api(server.url, 'GET', '/users/current', withSession(first)), 401);
      await expectJson(await api(server.url, 'GET', '/users/current', withSession(second)), 401);
      await expectJson(await api(server.url, 'GET', '/users/current', { authorization: basic('basic-changer', PASSWORD) }), 401);

      // Reset by an administrator: every session ends (and the old password is refused).
      const third = await login('basic-changer', 'Basic-Passw0rd');
      await expectJson(await api(server.url, 'PUT', `/users/${otherId}/password`, { body: { new_password: 'Admin-Passw0rd' } }), 200);
      await expectJson(await api(server.url, 'GET', '/users/current', withSession(third)), 401);
      await expectJson(await api(server.url, 'GET', '/users/current', { authorization: basic('basic-changer', 'Basic-Passw0rd') }), 401);
    });

    it("keeps a user's session when they change their own password through it", async () => {
      const session = await login('surfer', PASSWORD);
      const id = await userId('surfer');
      const headers = withSession(session, { [CSRF]: session.csrf });
      await expectJson(
        await api(server.url, 'PUT', `/users/${id}/password`, { ...headers, body: { old_password: PASSWORD, new_password: 'Surfer-Passw0rd' } }),
        200,
      );
      await expectJson(await api(server.url, 'GET', '/users/current', withSession(session)), 200);
    });
  });
}
