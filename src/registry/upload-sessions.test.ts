import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { basic, errorCode, sha256, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';

const CAP = 8;

for (const dialect of testDialects()) {
  describe(`open upload sessions per account (${dialect.name})`, () => {
    let server: TestServer;
    let admin: TestClient;

    before(async () => {
      server = await startTestServer(dialect, { registry: { maxUploadsPerAccount: CAP } });
      admin = new TestClient(server.url);
    });
    after(() => server.close());

    const uploadRows = async (): Promise<number> => {
      const row = await server.database.db
        .selectFrom('uploads')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    };

    const open = (client: TestClient, name: string) => client.request('POST', `/v2/${name}/blobs/uploads/`);

    it('one account opening sessions without end is refused with 429 TOOMANYREQUESTS at the cap, and no row is stored past it', async () => {
      // All at once, as a flood would: the count and the insert must not interleave.
      const answers = await Promise.all(Array.from({ length: CAP * 3 }, () => open(admin, 'library/flood')));
      const opened = answers.filter((r) => r.status === 202);
      const refused = answers.filter((r) => r.status === 429);
      assert.equal(opened.length, CAP);
      assert.equal(refused.length, CAP * 2);
      const body = (await refused[0]!.json()) as { errors: Array<{ code: string; message: string }> };
      assert.equal(body.errors[0]?.code, 'TOOMANYREQUESTS');
      assert.match(body.errors[0]!.message, new RegExp(`${CAP} in use within an hour`));
      assert.equal(await uploadRows(), CAP);

      // A monolithic upload opens a session too, so it is refused as well.
      const blob = Buffer.from('one more blob');
      const monolithic = await admin.request('POST', `/v2/library/flood/blobs/uploads/?digest=${sha256(blob)}`, { body: blob });
      assert.equal(monolithic.status, 429);
      assert.equal(await errorCode(monolithic), 'TOOMANYREQUESTS');
      assert.equal(await uploadRows(), CAP);

      // Another account has slots of its own.
      await expectJson(
        await api(server.url, 'POST', '/users', { body: { username: 'other', password: 'Passw0rd-other', email: 'o@example.com', realname: 'O' } }),
        201,
      );
      await expectJson(await api(server.url, 'POST', '/projects', { authorization: basic('other', 'Passw0rd-other'), body: { project_name: 'others' } }), 201);
      const other = new TestClient(server.url, basic('other', 'Passw0rd-other'));
      assert.equal((await open(other, 'others/app')).status, 202);

      // Clean up for the next test: cancelled sessions free their slots.
      for (const r of opened) assert.equal((await admin.request('DELETE', r.headers.get('location')!)).status, 204);
    });

    it('completing or cancelling an upload frees its slot at once', async () => {
      const locations: string[] = [];
      while (locations.length < CAP) {
        const res = await open(admin, 'library/slots');
        assert.equal(res.status, 202);
        locations.push(res.headers.get('location')!);
      }
      assert.equal((await open(admin, 'library/slots')).status, 429);

      const cancelled = locations.pop()!;
      assert.equal((await admin.request('DELETE', cancelled)).status, 204);
      const reopened = await open(admin, 'library/slots');
      assert.equal(reopened.status, 202);
      assert.equal((await open(admin, 'library/slots')).status, 429);

      const data = Buffer.from('completed blob');
      const completed = await admin.request('PUT', `${reopened.headers.get('location')!}?digest=${sha256(data)}`, { body: data });
      assert.equal(completed.status, 201);
      assert.equal((await open(admin, 'library/slots')).status, 202);
    });
  });

  describe(`abandoned upload sessions stop counting after an hour idle (${dialect.name})`, () => {
    let server: TestServer;
    let now = Date.now();
    const clock = { now: () => now };

    before(async () => {
      server = await startTestServer(dialect, { registry: { maxUploadsPerAccount: CAP } }, clock);
    });
    after(() => server.close());

    it('sessions a failed push left behind an hour ago no longer lock the account out', async () => {
      const client = new TestClient(server.url);
      for (let i = 0; i < CAP; i++) {
        const res = await client.request('POST', '/v2/library/ci/blobs/uploads/');
        assert.equal(res.status, 202);
        // Half-written, as a push cut off mid-layer leaves it.
        assert.equal((await client.request('PATCH', res.headers.get('location')!, { body: Buffer.from('partial layer') })).status, 202);
      }
      assert.equal((await client.request('POST', '/v2/library/ci/blobs/uploads/')).status, 429);
      now += 61 * 60 * 1000;
      // A new client: the first one's token has expired meanwhile.
      const later = new TestClient(server.url);
      assert.equal((await later.request('POST', '/v2/library/ci/blobs/uploads/')).status, 202);
    });
  });
}
