/**
 * Access control as users meet it: accounts, members and robots are set up through the
 * management API, then real clients push and pull with them.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  ClientEnv,
  makeTempDir,
  RegistryServer,
  removeDir,
  requireTools,
  skipUnlessTools,
  sleep,
  TARGET,
  umociImage,
} from './harness.js';

const TOOLS = ['skopeo', 'podman', 'buildah', 'umoci'];
const DEV_PASSWORD = 'Developer-passw0rd';
const GUEST_PASSWORD = 'Guest-passw0rd1';

describe('access control with real clients', { skip: TARGET !== 'berth' ? 'Berth-only' : skipUnlessTools(...TOOLS), timeout: 240_000 }, () => {
  let server: RegistryServer;
  let work: string;
  const robots = new Map<string, { id: number; name: string; secret: string }>();

  async function api(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${server.url}/api/v2.0${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${ADMIN_USER}:${ADMIN_PASSWORD}`).toString('base64')}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    assert.ok(res.status < 300, `${method} ${path} → ${res.status} ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  async function robot(name: string, actions: string[]): Promise<{ id: number; name: string; secret: string }> {
    const created = (await api('POST', '/robots', {
      name,
      level: 'project',
      duration: -1,
      permissions: [{ kind: 'project', namespace: 'team', access: actions.map((action) => ({ resource: 'repository', action })) }],
    })) as { id: number; name: string; secret: string };
    robots.set(name, created);
    return created;
  }

  before(async () => {
    requireTools(...TOOLS);
    server = await RegistryServer.start();
    work = makeTempDir('access');
    await api('POST', '/users', { username: 'dev', email: 'dev@example.com', realname: 'Developer', password: DEV_PASSWORD });
    await api('POST', '/users', { username: 'visitor', email: 'visitor@example.com', realname: 'Guest', password: GUEST_PASSWORD });
    await api('POST', '/projects', { project_name: 'team', metadata: { public: 'false' } });
    await api('POST', '/projects/team/members', { role_id: 2, member_user: { username: 'dev' } });
    await api('POST', '/projects/team/members', { role_id: 3, member_user: { username: 'visitor' } });
    await robot('puller', ['pull']);
    await robot('disabled', ['pull']);
    await robot('expired', ['pull']);
  });

  after(async () => {
    await server?.stop();
    if (work) removeDir(work);
  });

  test('a developer logs in with podman and pushes an image built with buildah', async () => {
    const dev = new ClientEnv(join(work, 'dev'), server.host);
    const context = join(work, 'context');
    mkdirSync(context, { recursive: true });
    writeFileSync(join(context, 'hello.txt'), 'built by a developer\n');
    writeFileSync(join(context, 'Containerfile'), 'FROM scratch\nCOPY hello.txt /hello.txt\n');
    await dev.buildah(['bud', '--isolation', 'chroot', '-t', `${server.host}/team/app:1`, context]);
    await dev.podman(['login', '--tls-verify=false', '-u', 'dev', '-p', DEV_PASSWORD, server.host]);
    await dev.podman(['push', '--tls-verify=false', `${server.host}/team/app:1`]);
    const tags = JSON.parse((await dev.skopeo(['list-tags', '--tls-verify=false', `docker://${server.host}/team/app`])).stdout) as { Tags: string[] };
    assert.deepEqual(tags.Tags, ['1']);
  });

  test('a guest pulls, and its push is refused with DENIED', async () => {
    const guest = new ClientEnv(join(work, 'guest'), server.host);
    await guest.skopeo(['login', '--tls-verify=false', '-u', 'visitor', '-p', GUEST_PASSWORD, server.host]);
    const layout = join(work, 'guest-layout');
    await guest.skopeo(['copy', '--src-tls-verify=false', `docker://${server.host}/team/app:1`, `oci:${layout}:1`]);
    const push = await guest.skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:1`, `docker://${server.host}/team/app:guest`], { allowFail: true });
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, /denied/i);
  });

  test('a pull-only robot pulls with skopeo and cannot push', async () => {
    const puller = robots.get('puller')!;
    const c = new ClientEnv(join(work, 'robot'), server.host);
    const creds = `${puller.name}:${puller.secret}`;
    const layout = join(work, 'robot-layout');
    await c.skopeo(['copy', '--src-tls-verify=false', '--src-creds', creds, `docker://${server.host}/team/app:1`, `oci:${layout}:1`]);
    const own = join(work, 'robot-own');
    await umociImage(c, own, 'x', { 'etc/robot': 'mine\n' });
    const push = await c.skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${own}:x`, `docker://${server.host}/team/robot:x`], {
      allowFail: true,
    });
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, /denied|unauthorized/i);
  });

  test('a disabled or expired robot is refused', async () => {
    const disabled = robots.get('disabled')!;
    // As the portal does: read the robot, flip `disable`, send it back.
    const current = (await api('GET', `/robots/${disabled.id}`)) as Record<string, unknown>;
    await api('PUT', `/robots/${disabled.id}`, { ...current, disable: true });
    // Time cannot be moved in another process; the expiry it would reach is written instead.
    const expired = robots.get('expired')!;
    const db = new Database(join(server.dataDir, 'berth.db'));
    db.prepare('update robots set expires_at = ? where id = ?').run(Date.now() - 1000, expired.id);
    db.close();
    await sleep(5500); // account details are cached for 5 s
    const c = new ClientEnv(join(work, 'refused'), server.host);
    for (const r of [disabled, expired]) {
      const res = await c.skopeo(['inspect', '--tls-verify=false', '--creds', `${r.name}:${r.secret}`, `docker://${server.host}/team/app:1`], { allowFail: true });
      assert.notEqual(res.code, 0, r.name);
      assert.match(res.stderr, /unauthorized|authentication required|invalid/i);
    }
  });

  test('anonymous pulls from a public project and gets a Bearer challenge on a private one', async () => {
    const admin = new ClientEnv(join(work, 'admin'), server.host);
    const layout = join(work, 'public-layout');
    await umociImage(admin, layout, 'v1', { 'etc/motd': 'public\n' });
    await admin.skopeo([
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      `${ADMIN_USER}:${ADMIN_PASSWORD}`,
      `oci:${layout}:v1`,
      `docker://${server.host}/library/open:v1`,
    ]);
    const anonymous = new ClientEnv(join(work, 'anonymous'), server.host);
    await anonymous.skopeo(['inspect', '--tls-verify=false', `docker://${server.host}/library/open:v1`]);
    const refused = await anonymous.skopeo(['inspect', '--tls-verify=false', `docker://${server.host}/team/app:1`], { allowFail: true });
    assert.notEqual(refused.code, 0);
    const res = await fetch(`${server.url}/v2/team/app/manifests/1`);
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm=/);
  });
});
