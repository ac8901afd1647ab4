/**
 * What an operator meets on the first day, with the real `berth` command: the banner says
 * where the server really listens and how to log in, request lines are JSON when stdout is
 * not a terminal, one server per embedded data directory, a BERTH_ADMIN_PASSWORD that is
 * no longer applied says so, and `berth config show` hides passwords.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, BERTH_ONLY, freePort, RegistryServer, REPO_ROOT, run, sleep, type RunResult } from './harness.js';

const berth = (args: string[], env: Record<string, string> = {}): Promise<RunResult> =>
  run(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    cwd: REPO_ROOT,
    allowFail: true,
    timeoutMs: 30_000,
  });

async function status(url: string, authorization: string): Promise<number> {
  return (await fetch(`${url}/api/v2.0/users/current`, { headers: { authorization } })).status;
}
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('berth serve, first-day operations', { skip: BERTH_ONLY, timeout: 180_000 }, () => {
  let server: RegistryServer;

  before(async () => {
    server = await RegistryServer.start({ BERTH_SERVER_HOST: '0.0.0.0', BERTH_LOG_LEVEL: 'info' });
  });
  after(async () => {
    await server?.stop();
  });

  test('the banner names the bound address 0.0.0.0 with its scheme, a URL to use, and how to log in', () => {
    const output = server.output();
    assert.match(output, new RegExp(`Berth is listening on http://0\\.0\\.0\\.0:${server.port} \\(every IPv4 address of this machine`));
    assert.match(output, new RegExp(`Registry URL: http://${hostname()}:${server.port}`));
    assert.match(output, new RegExp(`docker login ${hostname()}:${server.port} -u admin`));
    assert.doesNotMatch(output, /Berth is listening on http:\/\/127\.0\.0\.1/);
  });

  test('request lines are JSON when stdout is not a terminal, with the client address and user agent', async () => {
    await fetch(`${server.url}/v2/`, { headers: { 'user-agent': 'e2e-agent/1.0 (ops test)' } });
    let line: Record<string, unknown> | undefined;
    for (let i = 0; i < 50 && !line; i++) {
      line = server
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === 'request' && l.user_agent === 'e2e-agent/1.0 (ops test)');
      if (!line) await sleep(100);
    }
    assert.ok(line, 'no JSON request line with the user agent');
    assert.equal(line.client, '127.0.0.1');
    assert.equal(line.url, '/v2/');
    assert.equal(line.status, 401);
  });

  test('a second berth serve on the same data directory refuses to start, naming the directory and the pid', async () => {
    const second = await berth(['serve', '--port', String(await freePort()), '--data-dir', server.dataDir]);
    assert.notEqual(second.code, 0);
    assert.match(second.stderr, new RegExp(`another Berth is using ${server.dataDir} \\(pid ${server.pid}\\)`));
    // The first one is unharmed.
    assert.equal(await status(server.url, basic('admin', ADMIN_PASSWORD)), 200);
  });

  test('berth admin reset-password works while the server runs', async () => {
    const reset = await berth(['admin', 'reset-password', '--data-dir', server.dataDir], { BERTH_NEW_PASSWORD: 'Reset-Passw0rd-1' });
    assert.equal(reset.code, 0, reset.stderr);
    let answer = 0;
    for (let i = 0; i < 100 && answer !== 200; i++) {
      answer = await status(server.url, basic('admin', 'Reset-Passw0rd-1'));
      if (answer !== 200) await sleep(100);
    }
    assert.equal(answer, 200);
    const back = await berth(['admin', 'reset-password', '--data-dir', server.dataDir], { BERTH_NEW_PASSWORD: ADMIN_PASSWORD });
    assert.equal(back.code, 0, back.stderr);
  });

  test('a server killed with SIGKILL leaves no lock behind: it starts again on the same directory', async () => {
    await server.restart();
    assert.equal(await status(server.url, basic('admin', ADMIN_PASSWORD)), 200);
  });

  test('BERTH_ADMIN_PASSWORD on an existing data directory warns that it was not applied and points to berth admin reset-password', async () => {
    const warning = /Warning: BERTH_ADMIN_PASSWORD \(auth\.adminPassword\) was not applied: user "admin" exists already/g;
    const before = (server.output().match(warning) ?? []).length;
    // The same password as the admin has: nothing to warn about.
    assert.equal(before, 0);
    await server.restart({ BERTH_ADMIN_PASSWORD: 'Another-Passw0rd' });
    const output = server.output();
    assert.equal((output.match(warning) ?? []).length, 1);
    assert.match(output, new RegExp(`run: berth admin reset-password --data-dir ${server.dataDir}`));
    assert.equal(await status(server.url, basic('admin', ADMIN_PASSWORD)), 200);
    assert.equal(await status(server.url, basic('admin', 'Another-Passw0rd')), 401);
  });
});

describe('berth config show', { skip: BERTH_ONLY }, () => {
  test('hides the password inside the database URL and the admin password', async () => {
    const shown = await berth(['config', 'show'], { BERTH_DATABASE_URL: 'postgres://berth:Db-S3cret@db.internal:5432/berth', BERTH_ADMIN_PASSWORD: 'Adm1n-S3cret' });
    assert.equal(shown.code, 0, shown.stderr);
    assert.doesNotMatch(shown.stdout, /Db-S3cret|Adm1n-S3cret/);
    const config = JSON.parse(shown.stdout) as { database: { url: string }; auth: { adminPassword: string } };
    assert.equal(config.database.url, 'postgres://berth:********@db.internal:5432/berth');
    assert.equal(config.auth.adminPassword, '********');
  });
});
