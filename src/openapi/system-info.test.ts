import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { basic } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { assertMatchesHarbor } from '../testing/harbor-schema.js';
import { VERSION } from '../system/index.js';
import type { Statistic } from './statistics.js';
import type { GeneralInfo } from './system-info.js';

const PASSWORD = 'Passw0rd-system';

for (const dialect of testDialects()) {
  describe(`ping, systeminfo, volumes and statistics (${dialect.name})`, () => {
    let server: TestServer;
    const outsider = basic('outsider', PASSWORD);
    const insider = basic('insider', PASSWORD);

    before(async () => {
      server = await startTestServer(dialect);
      const create = async (path: string, body: unknown) => expectJson(await api(server.url, 'POST', path, { body }), 201);
      for (const username of ['outsider', 'insider']) {
        await create('/users', { username, password: PASSWORD, email: `${username}@example.com`, realname: username });
      }
      await create('/projects', { project_name: 'open', metadata: { public: 'true' } });
      await create('/projects', { project_name: 'secret', metadata: { public: 'false' } });
      await create('/projects/secret/members', { role_id: 3, member_user: { username: 'insider' } });
      const projects = await server.database.db.selectFrom('projects').select(['id', 'name']).where('name', 'in', ['open', 'secret']).execute();
      const now = Date.now();
      for (const project of projects) {
        for (const repo of ['app', 'db']) {
          await server.database.db
            .insertInto('repositories')
            .values({ project_id: project.id, name: `${project.name}/${repo}`, created_at: now, updated_at: now })
            .execute();
        }
      }
      await server.database.db
        .insertInto('blobs')
        .values({ digest: `sha256:${'a'.repeat(64)}`, size: 1234, created_at: now })
        .execute();
    });
    after(() => server.close());

    it('answers ping with Pong, without credentials', async () => {
      const res = await api(server.url, 'GET', '/ping', { authorization: null });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(await res.text(), 'Pong');
    });

    it('tells anonymous callers only what the login page needs', async () => {
      const info = await expectJson<GeneralInfo>(await api(server.url, 'GET', '/systeminfo', { authorization: null }), 200);
      assert.equal(info.harbor_version, 'v2.15.0-berth');
      assert.equal(info.auth_mode, 'db_auth');
      assert.equal(info.self_registration, false);
      assert.ok(!Number.isNaN(Date.parse(info.current_time)));
      assert.equal(info.external_url, undefined);
      assert.equal(info.registry_storage_provider_name, undefined);
    });

    it('names the Harbor release whose API Berth answers in harbor_version, Berth’s own in berth_version, and notifications on', async () => {
      const info = await expectJson<GeneralInfo>(await api(server.url, 'GET', '/systeminfo', { authorization: outsider }), 200);
      assertMatchesHarbor('GeneralInfo', info);
      assert.match(info.harbor_version, /^v2\.\d+\.\d+-berth$/);
      assert.equal(info.berth_version, VERSION);
      assert.equal(info.notification_enable, true);
    });

    it('gives signed-in callers the deployment details, following the runtime settings', async () => {
      await expectJson(await api(server.url, 'PUT', '/configurations', { body: { self_registration: true, project_creation_restriction: 'adminonly' } }), 200);
      const info = await expectJson<GeneralInfo>(await api(server.url, 'GET', '/systeminfo', { authorization: outsider }), 200);
      const host = new URL(server.url).host;
      assert.equal(info.external_url, `http://${host}`);
      assert.equal(info.registry_url, host);
      assert.equal(info.self_registration, true);
      assert.equal(info.project_creation_restriction, 'adminonly');
      assert.equal(info.has_ca_root, false);
      assert.equal(info.read_only, false);
      assert.equal(info.with_notary, false);
      assert.equal(info.registry_storage_provider_name, 'filesystem');
      await expectJson(await api(server.url, 'PUT', '/configurations', { body: { self_registration: false, project_creation_restriction: 'everyone' } }), 200);
    });

    it('reports the data volume to system administrators only', async () => {
      const volumes = await expectJson<{ storage: Array<{ total: number; free: number }> }>(await api(server.url, 'GET', '/systeminfo/volumes'), 200);
      assert.equal(volumes.storage.length, 1);
      const [volume] = volumes.storage;
      assert.ok(volume && volume.total > 0 && volume.free >= 0 && volume.free <= volume.total);
      assert.equal((await api(server.url, 'GET', '/systeminfo/volumes', { authorization: outsider })).status, 403);
      assert.equal((await api(server.url, 'GET', '/systeminfo/volumes', { authorization: null })).status, 401);
    });

    it('counts everything for a system administrator', async () => {
      const stats = await expectJson<Statistic>(await api(server.url, 'GET', '/statistics'), 200);
      assert.deepEqual(stats, {
        private_project_count: 1,
        private_repo_count: 2,
        public_project_count: 2,
        public_repo_count: 2,
        total_project_count: 3,
        total_repo_count: 4,
        total_storage_consumption: 1234,
      });
    });

    it('counts only the projects a user can see', async () => {
      const outside = await expectJson<Statistic>(await api(server.url, 'GET', '/statistics', { authorization: outsider }), 200);
      assert.deepEqual(outside, {
        private_project_count: 0,
        private_repo_count: 0,
        public_project_count: 2,
        public_repo_count: 2,
        total_project_count: 2,
        total_repo_count: 2,
        total_storage_consumption: 0,
      });
      const inside = await expectJson<Statistic>(await api(server.url, 'GET', '/statistics', { authorization: insider }), 200);
      assert.equal(inside.private_project_count, 1);
      assert.equal(inside.private_repo_count, 2);
      assert.equal(inside.total_project_count, 3);
      assert.equal((await api(server.url, 'GET', '/statistics', { authorization: null })).status, 401);
    });
  });

  describe(`systeminfo with a configured external URL (${dialect.name})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(dialect, { server: { externalUrl: 'https://registry.example.com/' } });
    });
    after(() => server.close());

    it('uses the configured URL rather than the request host', async () => {
      const info = await expectJson<GeneralInfo>(await api(server.url, 'GET', '/systeminfo'), 200);
      assert.equal(info.external_url, 'https://registry.example.com');
      assert.equal(info.registry_url, 'registry.example.com');
    });
  });
}
