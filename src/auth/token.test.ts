import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { createProject } from '../projects/index.js';
import { ADMIN, basic } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { parseScopes } from './scope.js';

describe('scope parsing', () => {
  it('splits type, name and actions, keeping colons of registry ports in the name', () => {
    assert.deepEqual(parseScopes(['repository:library/ubuntu:pull,push']), [{ type: 'repository', name: 'library/ubuntu', actions: ['pull', 'push'] }]);
    assert.deepEqual(parseScopes(['repository:myhost:5000/lib/img:pull']), [{ type: 'repository', name: 'myhost:5000/lib/img', actions: ['pull'] }]);
    assert.deepEqual(
      parseScopes(['repository:a/b:pull registry:catalog:*']).map((s) => s.name),
      ['a/b', 'catalog'],
    );
    assert.deepEqual(parseScopes(['repository']), [{ type: 'repository', name: '', actions: [] }]);
  });
});

for (const dialect of testDialects()) {
  describe(`GET /service/token (${dialect.name})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer(dialect);
      await createProject(server.database.db, { name: 'private', ownerId: 1, public: false, now: Date.now() - 1000 });
    });
    after(() => server.close());

    async function token(scopes: string[], authorization?: string): Promise<Response> {
      const query = scopes.map((s) => `&scope=${encodeURIComponent(s)}`).join('');
      return fetch(`${server.url}/service/token?service=berth-registry${query}`, { headers: authorization ? { authorization } : {} });
    }

    async function access(res: Response): Promise<Array<{ type: string; name: string; actions: string[] }>> {
      const body = (await res.json()) as { token: string };
      return decodeJwt(body.token).access as Array<{ type: string; name: string; actions: string[] }>;
    }

    it('issues a signed RS256 token with kid, lifetime and claims', async () => {
      const res = await token(['repository:library/app:pull,push'], ADMIN);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { token: string; access_token: string; expires_in: number; issued_at: string };
      assert.equal(body.expires_in, 1800);
      assert.match(body.issued_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const header = decodeProtectedHeader(body.token);
      assert.equal(header.alg, 'RS256');
      assert.match(header.kid ?? '', /^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
      const claims = decodeJwt(body.token);
      assert.equal(claims.sub, 'admin');
      assert.equal(claims.aud, 'berth-registry');
      assert.equal(claims.iss, 'berth-token-issuer');
      assert.equal(claims.exp! - claims.iat!, 1800);
    });

    it('grants only what was asked, not everything allowed', async () => {
      assert.deepEqual(await access(await token(['repository:library/app:pull'], ADMIN)), [{ type: 'repository', name: 'library/app', actions: ['pull'] }]);
      assert.deepEqual((await access(await token(['repository:library/app:*'], ADMIN)))[0]!.actions, ['pull', 'push', 'delete']);
    });

    it('grants anonymous callers pull on public projects only', async () => {
      const granted = await access(await token(['repository:library/app:pull,push', 'repository:private/app:pull']));
      assert.deepEqual(
        granted.map((g) => g.actions),
        [['pull'], []],
      );
    });

    it('grants nothing on a project that does not exist or a name without a project', async () => {
      const granted = await access(await token(['repository:ghost/app:pull,push', 'repository:noproject:pull', 'other:thing:read'], ADMIN));
      assert.deepEqual(
        granted.map((g) => g.actions),
        [[], [], []],
      );
    });

    it('answers 401 to wrong credentials and to anonymous login without scope', async () => {
      assert.equal((await token(['repository:library/app:pull'], basic('admin', 'wrong-password'))).status, 401);
      assert.equal((await token(['repository:library/app:pull'], basic('nobody', 'wrong-password'))).status, 401);
      assert.equal((await token([])).status, 401);
    });

    it('answers a login (no scope) with valid credentials with a token', async () => {
      const res = await token([], ADMIN);
      assert.equal(res.status, 200);
      assert.deepEqual(await access(res), []);
    });

    it('records logins and failed logins in the audit log', async () => {
      await token([], ADMIN);
      await token([], basic('admin', 'not-the-password'));
      const rows = await server.database.db.selectFrom('audit_logs').select(['operation', 'username', 'success']).where('operation', '=', 'login').execute();
      assert.ok(rows.some((r) => r.username === 'admin' && r.success === 1));
      assert.ok(rows.some((r) => r.username === 'admin' && r.success === 0));
    });

    it('refuses another service with 400 and POST with 405', async () => {
      const other = await fetch(`${server.url}/service/token?service=elsewhere`, { headers: { authorization: ADMIN } });
      assert.equal(other.status, 400);
      const post = await fetch(`${server.url}/service/token`, { method: 'POST' });
      assert.equal(post.status, 405);
    });
  });
}
