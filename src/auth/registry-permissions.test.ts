import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createProject } from '../projects/index.js';
import { basic, errorCode, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { hashPassword } from './passwords.js';
import { ROLE_IDS, type Role } from './rbac.js';
import { createUser } from './users-repo.js';

type Caller = Role | 'outsider' | 'anonymous' | 'sysadmin';
type Where = 'own' | 'other' | 'open';
type Action = 'pull' | 'push' | 'delete';

/** Who may do what, where: the one table this test checks /v2/ against. */
const EXPECTED: Record<Caller, Record<Where, Action[]>> = {
  projectAdmin: { own: ['pull', 'push', 'delete'], other: [], open: ['pull'] },
  maintainer: { own: ['pull', 'push', 'delete'], other: [], open: ['pull'] },
  developer: { own: ['pull', 'push'], other: [], open: ['pull'] },
  guest: { own: ['pull'], other: [], open: ['pull'] },
  limitedGuest: { own: ['pull'], other: [], open: ['pull'] },
  outsider: { own: [], other: [], open: ['pull'] },
  anonymous: { own: [], other: [], open: ['pull'] },
  sysadmin: { own: ['pull', 'push', 'delete'], other: ['pull', 'push', 'delete'], open: ['pull', 'push', 'delete'] },
};

const PASSWORD = 'Passw0rd-for-tests';

for (const dialect of testDialects()) {
  describe(`registry permissions by role (${dialect.name})`, () => {
    let server: TestServer;
    let admin: TestClient;
    const clients = new Map<Caller, TestClient>();

    before(async () => {
      server = await startTestServer(dialect);
      admin = new TestClient(server.url);
      const db = server.database.db;
      const owner = await createUser(db, { username: 'owner', passwordHash: await hashPassword(PASSWORD), sysadmin: false, now: Date.now() });
      const own = await createProject(db, { name: 'own', ownerId: owner.id, public: false, now: Date.now() - 120_000 });
      await createProject(db, { name: 'other', ownerId: owner.id, public: false, now: Date.now() - 120_000 });
      await createProject(db, { name: 'open', ownerId: owner.id, public: true, now: Date.now() - 120_000 });
      const hash = await hashPassword(PASSWORD);
      for (const role of Object.keys(ROLE_IDS) as Role[]) {
        const user = await createUser(db, { username: `user-${role.toLowerCase()}`, passwordHash: hash, sysadmin: false, now: Date.now() });
        await db
          .insertInto('project_members')
          .values({ project_id: own.id, entity_type: 'u', entity_id: user.id, role: ROLE_IDS[role], repository_patterns: null, created_at: 1, updated_at: 1 })
          .execute();
        clients.set(role, new TestClient(server.url, basic(user.username, PASSWORD)));
      }
      await createUser(db, { username: 'outsider', passwordHash: hash, sysadmin: false, now: Date.now() });
      clients.set('outsider', new TestClient(server.url, basic('outsider', PASSWORD)));
      clients.set('anonymous', new TestClient(server.url, null));
      clients.set('sysadmin', admin);
    });
    after(() => server.close());

    for (const caller of Object.keys(EXPECTED) as Caller[]) {
      for (const where of ['own', 'other', 'open'] as Where[]) {
        it(`${caller} in ${where}: ${EXPECTED[caller][where].join(', ') || 'nothing'}`, async () => {
          const client = clients.get(caller)!;
          const name = `${where}/app-${caller.toLowerCase()}`;
          const { digest } = await admin.pushImage(name, 'v1');
          const allowed = new Set(EXPECTED[caller][where]);
          const deniedStatus = caller === 'anonymous' ? 401 : 403;

          const pull = await client.request('GET', `/v2/${name}/manifests/v1`);
          assert.equal(pull.status, allowed.has('pull') ? 200 : deniedStatus, `pull: ${await pull.clone().text()}`);

          const push = await client.request('POST', `/v2/${name}/blobs/uploads/`);
          assert.equal(push.status, allowed.has('push') ? 202 : deniedStatus, 'push');
          if (!allowed.has('push') && caller !== 'anonymous') assert.equal(await errorCode(push), 'DENIED');

          const remove = await client.request('DELETE', `/v2/${name}/manifests/${digest}`);
          assert.equal(remove.status, allowed.has('delete') ? 202 : deniedStatus, 'delete');
          const still = await admin.request('GET', `/v2/${name}/manifests/${digest}`);
          assert.equal(still.status, allowed.has('delete') ? 404 : 200, 'a refused delete removes nothing');
        });
      }
    }

    it('challenges anonymous callers on a private project with a Bearer realm, not a 404', async () => {
      const res = await fetch(`${server.url}/v2/own/app-guest/manifests/v1`);
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm=".*\/service\/token",service="berth-registry",scope="repository:own\/app-guest:pull"/);
    });

    it('does not reveal private repositories in the catalog', async () => {
      const guest = clients.get('outsider')!;
      const res = await guest.request('GET', '/v2/_catalog', { scope: 'registry:catalog:*' });
      const { repositories } = (await res.json()) as { repositories: string[] };
      assert.ok(repositories.length > 0);
      assert.ok(
        repositories.every((r) => r.startsWith('open/')),
        repositories.join(','),
      );
    });
  });
}
