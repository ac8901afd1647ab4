import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { basic } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';

const PASSWORD = 'Passw0rd-bob';

for (const dialect of testDialects()) {
  describe(`tokens and sessions name the account id (${dialect.name})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer(dialect);
    });
    after(() => server.close());

    async function createBob(): Promise<number> {
      await expectJson(await api(server.url, 'POST', '/users', { body: { username: 'bob', password: PASSWORD } }), 201);
      const row = await server.database.db.selectFrom('users').select('id').where('username', '=', 'bob').executeTakeFirstOrThrow();
      return row.id;
    }

    it("A token stays valid for a new account created later under a deleted account's name (bind tokens and sessions to the account id)", async () => {
      const oldId = await createBob();
      const tokenRes = await fetch(`${server.url}/service/token?service=berth-registry`, { headers: { authorization: basic('bob', PASSWORD) } });
      const { token } = await expectJson<{ token: string }>(tokenRes, 200);
      const login = await fetch(`${server.url}/c/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ principal: 'bob', password: PASSWORD }).toString(),
      });
      assert.equal(login.status, 200);
      const cookie = (login.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
      assert.equal((await fetch(`${server.url}/v2/`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
      assert.equal((await api(server.url, 'GET', '/users/current', { authorization: null, headers: { cookie } })).status, 200);

      await expectJson(await api(server.url, 'DELETE', `/users/${oldId}`), 200);
      const newId = await createBob();
      assert.notEqual(newId, oldId);

      assert.equal((await fetch(`${server.url}/v2/`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
      assert.equal((await api(server.url, 'GET', '/users/current', { authorization: `Bearer ${token}` })).status, 401);
      assert.equal((await api(server.url, 'GET', '/users/current', { authorization: null, headers: { cookie } })).status, 401);
      // The new bob signs in and gets tokens of its own.
      const fresh = await expectJson<{ token: string }>(
        await fetch(`${server.url}/service/token?service=berth-registry`, { headers: { authorization: basic('bob', PASSWORD) } }),
        200,
      );
      assert.equal((await fetch(`${server.url}/v2/`, { headers: { authorization: `Bearer ${fresh.token}` } })).status, 200);
    });
  });
}
