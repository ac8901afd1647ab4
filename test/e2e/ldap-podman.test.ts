/**
 * A member of an LDAP group pushes with podman by the role its group holds in a project: the
 * user exists only in a real slapd, is in group `builders`, which is inside group `platform`,
 * and `platform` is the project's developer. A user outside those groups signs in but may not push.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { basic } from '../../src/testing/client.js';
import { BASE_DN, groupDn, GROUPS_DN, passwordOf, READER_DN, READER_PASSWORD, skipUnlessSlapd, Slapd } from '../../src/testing/slapd.js';
import { ADMIN_PASSWORD, ADMIN_USER, ClientEnv, makeTempDir, RegistryServer, removeDir, requireTools, skipUnlessTools } from './harness.js';

const TOOLS = ['buildah', 'podman'];
const DEVELOPER = 2;

describe('podman push by an LDAP group role', { skip: skipUnlessTools(...TOOLS) || skipUnlessSlapd(), timeout: 180_000 }, () => {
  let slapd: Slapd;
  let server: RegistryServer;
  let work: string;
  let client: ClientEnv;
  let image: string;

  async function api(method: string, path: string, body?: unknown, authorization = basic(ADMIN_USER, ADMIN_PASSWORD)): Promise<Response> {
    return fetch(`${server.url}/api/v2.0${path}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  before(async () => {
    requireTools(...TOOLS);
    slapd = await Slapd.start({
      users: [{ uid: 'builder' }, { uid: 'outsider' }],
      groups: [
        { cn: 'builders', members: ['builder'] },
        { cn: 'platform', members: [{ group: 'builders' }] },
        { cn: 'visitors', members: ['outsider'] },
      ],
    });
    server = await RegistryServer.start();
    const settings = {
      auth_mode: 'ldap_auth',
      ldap_url: slapd.url,
      ldap_search_dn: READER_DN,
      ldap_search_password: READER_PASSWORD,
      ldap_base_dn: BASE_DN,
      ldap_uid: 'uid',
      ldap_group_base_dn: GROUPS_DN,
    };
    assert.equal((await api('PUT', '/configurations', settings)).status, 200);
    assert.equal((await api('POST', '/projects', { project_name: 'platform', metadata: { public: 'false' } })).status, 201);
    const project = (await (await api('GET', '/projects/platform')).json()) as { project_id: number };
    // The group as a project member, written as the user-groups feature writes it (its API is another feature's).
    const db = new Database(join(server.dataDir, 'berth.db'));
    const now = Date.now();
    const group = db
      .prepare('insert into user_groups (group_name, group_type, ldap_group_dn, group_key, created_at, updated_at) values (?, 1, ?, ?, ?, ?) returning id')
      .get('platform', groupDn('platform'), groupDn('platform'), now, now) as { id: number };
    db.prepare("insert into project_members (project_id, entity_type, entity_id, role, created_at, updated_at) values (?, 'g', ?, ?, ?, ?)").run(
      project.project_id,
      group.id,
      DEVELOPER,
      now,
      now,
    );
    db.close();

    work = makeTempDir('ldap');
    client = new ClientEnv(join(work, 'c'), server.host);
    image = `${server.host}/platform/app`;
    const context = join(work, 'context');
    mkdirSync(context);
    writeFileSync(join(context, 'hello.txt'), `built for an LDAP group ${randomBytes(8).toString('hex')}\n`);
    writeFileSync(join(context, 'Containerfile'), 'FROM scratch\nCOPY hello.txt /hello.txt\n');
    await client.buildah(['bud', '--isolation', 'chroot', '-t', `${image}:v1`, context]);
  });

  after(async () => {
    await server?.stop();
    await slapd?.stop();
    if (work) removeDir(work);
  });

  test('the member of a nested LDAP group logs in with podman and pushes by the group role', async () => {
    const login = await client.podman(['login', '-u', 'builder', '-p', passwordOf('builder'), server.host]);
    assert.match(login.stdout, /Login Succeeded/);
    await client.podman(['push', `${image}:v1`]);
    const tags = (await (await api('GET', '/projects/platform/repositories/app/artifacts?with_tag=true')).json()) as Array<{ tags: Array<{ name: string }> }>;
    assert.deepEqual(
      tags.flatMap((a) => a.tags.map((t) => t.name)),
      ['v1'],
    );
    // The account was made at the first sign-in, from the directory's entry.
    const users = (await (await api('GET', '/users/search?username=builder')).json()) as Array<{ username: string }>;
    assert.deepEqual(
      users.map((u) => u.username),
      ['builder'],
    );
  });

  test('a user outside the group signs in but may not push', async () => {
    await client.podman(['logout', '--all']);
    const login = await client.podman(['login', '-u', 'outsider', '-p', passwordOf('outsider'), server.host]);
    assert.match(login.stdout, /Login Succeeded/);
    const push = await client.podman(['push', `${image}:v1`, `${image}:v2`], { allowFail: true });
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, /403 \(Forbidden\)|denied/i);
  });

  test('a wrong LDAP password fails podman login', async () => {
    const login = await client.podman(['login', '-u', 'builder', '-p', 'wrong', server.host], { allowFail: true });
    assert.notEqual(login.code, 0);
    assert.match(login.stderr, /invalid username/i);
  });
});
