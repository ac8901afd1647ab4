import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { basic } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';

const PASSWORD = 'Passw0rd-limits';
const WINDOW_SECONDS = 60;

let addressCounter = 0;
/** A client address of its own (the server trusts X-Forwarded-For here). */
function freshAddress(): string {
  addressCounter += 1;
  return `198.51.${Math.floor(addressCounter / 250)}.${(addressCounter % 250) + 1}`;
}

interface ErrorBody {
  errors: Array<{ code: string; message: string }>;
}

/** A 429 that says when to come back, in the given error code. */
async function assertTooMany(res: Response, code: string): Promise<void> {
  assert.equal(res.status, 429);
  const retryAfter = Number(res.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= WINDOW_SECONDS, `Retry-After ${res.headers.get('retry-after')}`);
  const body = (await res.json()) as ErrorBody;
  assert.equal(body.errors[0]?.code, code);
}

for (const dialect of testDialects()) {
  describe(`request rate limits (${dialect.name})`, () => {
    let server: TestServer;
    let now = Date.now();
    const clock = { now: () => now };

    before(async () => {
      server = await startTestServer(
        dialect,
        {
          server: { trustProxy: true },
          rateLimit: {
            windowSeconds: WINDOW_SECONDS,
            apiPerClient: 5,
            apiPerAccount: 8,
            tokenPerClient: 5,
            tokenPerAccount: 4,
            loginPerClient: 5,
            loginPerAccount: 3,
          },
        },
        clock,
      );
      for (const username of ['alice', 'bob']) {
        await expectJson(await api(server.url, 'POST', '/users', { body: { username, password: PASSWORD }, headers: { 'x-forwarded-for': freshAddress() } }), 201);
      }
    });
    after(() => server.close());
    // Every test starts with every window ended.
    beforeEach(() => {
      now += WINDOW_SECONDS * 1000;
    });

    const apiGet = (address: string, authorization: string | null = null) =>
      api(server.url, 'GET', '/systeminfo', { authorization, headers: { 'x-forwarded-for': address } });
    const token = (address: string, authorization?: string) =>
      fetch(`${server.url}/service/token?service=berth-registry&scope=repository:library/app:pull`, {
        headers: { 'x-forwarded-for': address, ...(authorization ? { authorization } : {}) },
      });
    const signIn = (address: string, principal: string) =>
      fetch(`${server.url}/c/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
        body: JSON.stringify({ principal, password: PASSWORD }),
      });

    it('the management API answers a burst from one address past the limit with 429 TOO_MANY_REQUEST and Retry-After; other addresses go on; after the window it passes again', async () => {
      const address = freshAddress();
      for (let i = 0; i < 5; i++) await expectJson(await apiGet(address), 200);
      await assertTooMany(await apiGet(address), 'TOO_MANY_REQUEST');
      await expectJson(await apiGet(freshAddress()), 200);
      now += 30_000;
      const late = await apiGet(address);
      assert.equal(late.status, 429);
      assert.ok(Number(late.headers.get('retry-after')) <= 30, `Retry-After ${late.headers.get('retry-after')} after half the window`);
      now += 30_000;
      await expectJson(await apiGet(address), 200);
    });

    it('the management API limits one account across addresses, and other accounts go on', async () => {
      const alice = basic('alice', PASSWORD);
      for (let i = 0; i < 8; i++) await expectJson(await apiGet(freshAddress(), alice), 200);
      await assertTooMany(await apiGet(freshAddress(), alice), 'TOO_MANY_REQUEST');
      await expectJson(await apiGet(freshAddress(), basic('bob', PASSWORD)), 200);
      now += WINDOW_SECONDS * 1000;
      await expectJson(await apiGet(freshAddress(), alice), 200);
    });

    it('the token service answers a burst from one address with 429 TOOMANYREQUESTS and Retry-After; other addresses go on; after the window it passes again', async () => {
      const address = freshAddress();
      for (let i = 0; i < 5; i++) assert.equal((await token(address)).status, 200);
      await assertTooMany(await token(address), 'TOOMANYREQUESTS');
      assert.equal((await token(freshAddress())).status, 200);
      now += WINDOW_SECONDS * 1000;
      assert.equal((await token(address)).status, 200);
    });

    it('the token service limits the tokens one account gets across addresses, and other accounts go on', async () => {
      const alice = basic('alice', PASSWORD);
      for (let i = 0; i < 4; i++) assert.equal((await token(freshAddress(), alice)).status, 200);
      await assertTooMany(await token(freshAddress(), alice), 'TOOMANYREQUESTS');
      assert.equal((await token(freshAddress(), basic('bob', PASSWORD))).status, 200);
      now += WINDOW_SECONDS * 1000;
      assert.equal((await token(freshAddress(), alice)).status, 200);
    });

    it('portal sign-in limits one address, and one account across addresses, even with the right password', async () => {
      const address = freshAddress();
      // Alternating accounts, so only the address limit (5) is reached.
      for (let i = 0; i < 5; i++) assert.equal((await signIn(address, i % 2 ? 'alice' : 'bob')).status, 200);
      await assertTooMany(await signIn(address, 'bob'), 'TOO_MANY_REQUEST');
      now += WINDOW_SECONDS * 1000;
      for (let i = 0; i < 3; i++) assert.equal((await signIn(freshAddress(), 'alice')).status, 200);
      await assertTooMany(await signIn(freshAddress(), 'alice'), 'TOO_MANY_REQUEST');
      assert.equal((await signIn(freshAddress(), 'bob')).status, 200);
      now += WINDOW_SECONDS * 1000;
      assert.equal((await signIn(freshAddress(), 'alice')).status, 200);
    });
  });
}
