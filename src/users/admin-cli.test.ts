import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../platform/config/load.js';
import { startServer } from '../server.js';
import { api, expectJson } from '../testing/api.js';
import { basic } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../testing/server.js';
import { resetPassword } from './index.js';
import { runBerth } from '../testing/cli.js';

const NEW_PASSWORD = 'Brand-new-Passw0rd';

const berth = runBerth;

describe('berth admin reset-password (the real command, embedded database)', () => {
  let dataDir: string;

  const config = () =>
    parseConfig({ dataDir, server: { host: '127.0.0.1', port: 0 }, auth: { adminPassword: ADMIN_PASSWORD }, storage: { fsync: false }, log: { level: 'silent' } });

  async function currentUser(authorization: string): Promise<number> {
    const server = await startServer(config(), () => {});
    try {
      return (await api(server.url, 'GET', '/users/current', { authorization })).status;
    } finally {
      await server.close();
    }
  }

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'berth-admin-cli-'));
    // A server ran on the data directory once (creating "admin") and stopped.
    const server = await startServer(config(), () => {});
    await expectJson(await api(server.url, 'POST', '/users', { body: { username: 'alice', password: 'Alice-Passw0rd' } }), 201);
    await server.close();
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('sets the admin password from BERTH_NEW_PASSWORD', async () => {
    const run = await berth(['admin', 'reset-password', '--data-dir', dataDir], { BERTH_NEW_PASSWORD: NEW_PASSWORD });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /password of user "admin" changed/);
    assert.equal(await currentUser(basic('admin', NEW_PASSWORD)), 200);
    assert.equal(await currentUser(basic('admin', ADMIN_PASSWORD)), 401);
  });

  it("sets another user's password with --username", async () => {
    const run = await berth(['admin', 'reset-password', '--data-dir', dataDir, '--username', 'alice'], { BERTH_NEW_PASSWORD: 'Alice-new-Passw0rd' });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(await currentUser(basic('alice', 'Alice-new-Passw0rd')), 200);
  });

  it('refuses a weak password, an unknown user, and a missing password without a terminal, changing nothing', async () => {
    const weak = await berth(['admin', 'reset-password', '--data-dir', dataDir], { BERTH_NEW_PASSWORD: 'weak' });
    assert.notEqual(weak.code, 0);
    assert.match(weak.stderr, /8 to 128 characters/);
    const unknown = await berth(['admin', 'reset-password', '--data-dir', dataDir, '--username', 'ghost'], { BERTH_NEW_PASSWORD: NEW_PASSWORD });
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /no user named "ghost"/);
    const noTerminal = await berth(['admin', 'reset-password', '--data-dir', dataDir]);
    assert.notEqual(noTerminal.code, 0);
    assert.match(noTerminal.stderr, /BERTH_NEW_PASSWORD/);
    assert.equal(await currentUser(basic('admin', NEW_PASSWORD)), 200);
  });

  it('explains itself in berth admin --help', async () => {
    const run = await berth(['admin', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /reset-password/);
    assert.match(run.stdout, /BERTH_NEW_PASSWORD/);
  });
});

for (const dialect of testDialects()) {
  describe(`resetPassword (${dialect.name})`, () => {
    let server: TestServer;
    let now = Date.now();
    const clock = { now: () => now };

    before(async () => {
      server = await startTestServer(dialect, {}, clock);
    });
    after(() => server.close());

    it('changes the password under a running server, which notices once its account cache expires', async () => {
      await expectJson(await api(server.url, 'GET', '/users/current'), 200);
      const login = await fetch(`${server.url}/c/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ principal: 'admin', password: ADMIN_PASSWORD }),
      });
      assert.equal(login.status, 200);
      const cookie = (login.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
      await expectJson(await api(server.url, 'GET', '/users/current', { authorization: null, headers: { cookie } }), 200);
      await resetPassword(server.database, 'admin', NEW_PASSWORD, now);
      // The admin's sessions end with the reset.
      await expectJson(await api(server.url, 'GET', '/users/current', { authorization: null, headers: { cookie } }), 401);
      now += 10_000;
      await expectJson(await api(server.url, 'GET', '/users/current', { authorization: basic('admin', NEW_PASSWORD) }), 200);
      const audit = await server.database.db
        .selectFrom('audit_logs')
        .selectAll()
        .where('resource', '=', 'admin')
        .where('operation', '=', 'update')
        .executeTakeFirstOrThrow();
      assert.match(audit.username, /^cli:/);
    });
  });
}
