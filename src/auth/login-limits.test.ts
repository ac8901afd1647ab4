import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { basic } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';

const PASSWORD = 'Passw0rd-known';
const ROUNDS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

let addressCounter = 0;
/** A client address of its own, so the per-address limit does not mix into a test. */
function freshAddress(): string {
  addressCounter += 1;
  return `198.51.${Math.floor(addressCounter / 250)}.${(addressCounter % 250) + 1}`;
}

for (const dialect of testDialects()) {
  describe(`failed logins (${dialect.name})`, () => {
    let server: TestServer;
    let now = Date.now();
    const clock = { now: () => now };

    before(async () => {
      server = await startTestServer(dialect, { server: { trustProxy: true } }, clock);
      for (let i = 0; i < 2 * ROUNDS; i++) {
        await expectJson(await api(server.url, 'POST', '/users', { body: { username: `known-${i}`, password: PASSWORD } }), 201);
      }
      await expectJson(await api(server.url, 'POST', '/users', { body: { username: 'limited', password: PASSWORD } }), 201);
    });
    after(() => server.close());

    async function timed(request: () => Promise<Response>, status: number): Promise<number> {
      const started = performance.now();
      const res = await request();
      await res.arrayBuffer();
      const elapsed = performance.now() - started;
      assert.equal(res.status, status);
      return elapsed;
    }

    const apiLogin = (name: string, password: string, address = freshAddress()) =>
      api(server.url, 'GET', '/users/current', { authorization: basic(name, password), headers: { 'x-forwarded-for': address } });
    const tokenLogin = (name: string, password: string, address = freshAddress()) =>
      fetch(`${server.url}/service/token?service=berth-registry`, { headers: { authorization: basic(name, password), 'x-forwarded-for': address } });

    it('A failed Basic login takes ~200 ms for a real user and 2 ms for an unknown one (make both take the same time)', async () => {
      for (const [path, login, offset] of [
        ['/api/v2.0', apiLogin, 0],
        ['/service/token', tokenLogin, ROUNDS],
      ] as const) {
        const known: number[] = [];
        const unknown: number[] = [];
        // Interleaved, and each name fails once: a repeated failure for one name is slowed on purpose.
        for (let i = 0; i < ROUNDS; i++) {
          known.push(await timed(() => login(`known-${offset + i}`, 'Wrong-passw0rd'), 401));
          unknown.push(await timed(() => login(`nobody-${path}-${i}`, 'Wrong-passw0rd'), 401));
        }
        assert.ok(
          median(unknown) >= 0.5 * median(known),
          `${path}: unknown names fail in ${median(unknown).toFixed(1)} ms, known ones in ${median(known).toFixed(1)} ms`,
        );
      }
    });

    it('Failed logins are stored untruncated (truncate, and rate-limit failed logins per client address, not only per name)', async () => {
      // About 12 KB: as long as a name gets in Basic credentials under Node's 16 KB header limit.
      const name = 'x'.repeat(11_500);
      const count = async () => (await server.database.db.selectFrom('audit_logs').select('id').where('operation', '=', 'login').execute()).length;
      const before = await count();
      assert.equal((await tokenLogin(name, 'whatever')).status, 401);
      assert.equal((await apiLogin(name, 'whatever')).status, 401);
      assert.equal((await fetch(`${server.url}/v2/`, { headers: { authorization: basic(name, 'whatever'), 'x-forwarded-for': freshAddress() } })).status, 401);
      const portal = await fetch(`${server.url}/c/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': freshAddress() },
        body: JSON.stringify({ principal: name, password: 'whatever' }),
      });
      assert.equal(portal.status, 401);
      // At most one bounded row per attempt that reached a login form (the portal's).
      const rows = await server.database.db.selectFrom('audit_logs').selectAll().where('operation', '=', 'login').orderBy('id').execute();
      assert.ok(rows.length - before <= 1, `${rows.length - before} rows written`);
      for (const row of rows.slice(before)) {
        assert.ok(row.username.length <= 255 && row.resource.length <= 255, `a row of ${row.username.length} characters`);
      }
      // Long client addresses from a proxy header are bounded too.
      const longAddress = `2001:db8::${'f'.repeat(200)}`;
      assert.equal((await tokenLogin('known-0', 'Wrong-passw0rd-again', longAddress)).status, 401);
      const last = await server.database.db.selectFrom('audit_logs').selectAll().where('operation', '=', 'login').orderBy('id', 'desc').executeTakeFirstOrThrow();
      assert.ok((last.client_ip ?? '').length <= 64);
    });

    it('rate-limits failed logins per client address: the eleventh failure in a minute is answered 429 with Retry-After', async () => {
      const attacker = '203.0.113.7';
      for (let i = 0; i < 10; i++) {
        // Known and unknown names alike, each once (a repeated name is slowed down separately).
        const name = i % 2 === 0 ? `guess-${i}` : `known-${i}`;
        const res = i < 5 ? await apiLogin(name, 'Wrong-passw0rd', attacker) : await tokenLogin(name, 'Wrong-passw0rd', attacker);
        assert.equal(res.status, 401, `attempt ${i + 1}`);
      }
      for (const res of [await apiLogin('guess-11', 'Wrong-passw0rd', attacker), await tokenLogin('limited', 'Wrong-passw0rd', attacker)]) {
        assert.equal(res.status, 429);
        const retryAfter = Number(res.headers.get('retry-after'));
        assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${res.headers.get('retry-after')}`);
      }
      // The portal and the registry refuse that address too, even with the right password.
      assert.equal((await apiLogin('limited', PASSWORD, attacker)).status, 429);
      const registry = await fetch(`${server.url}/v2/`, { headers: { authorization: basic('limited', PASSWORD), 'x-forwarded-for': attacker } });
      assert.equal(registry.status, 429);
      assert.ok(registry.headers.get('retry-after'));
      const portal = await fetch(`${server.url}/c/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': attacker },
        body: JSON.stringify({ principal: 'limited', password: PASSWORD }),
      });
      assert.equal(portal.status, 429);
      // Another address signs in as usual.
      await expectJson(await apiLogin('limited', PASSWORD, '203.0.113.8'), 200);
      await expectJson(await tokenLogin('limited', PASSWORD, '203.0.113.8'), 200);
      // A minute later the address may try again.
      now += 61_000;
      await expectJson(await apiLogin('limited', PASSWORD, attacker), 200);
    });
  });
}
