import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { addMember, addRobot, addUser, expectError, newProject, type TestUser } from './fixtures.suite.js';

interface ProjectJson {
  project_id: number;
  name: string;
  owner_id: number;
  owner_name: string;
  creation_time: string;
  update_time: string;
  repo_count: number;
  chart_count: number;
  current_user_role_id: number;
  current_user_role_ids: number[];
  metadata: Record<string, string>;
  deleted: boolean;
  registry_id?: number;
  cve_allowlist: { items: unknown[]; project_id: number };
}

async function names(url: string, authorization?: string | null, query = ''): Promise<string[]> {
  const list = await expectJson<ProjectJson[]>(await api(url, 'GET', `/projects?page_size=100${query}`, { authorization }), 200);
  return list.map((p) => p.name);
}

for (const dialect of testDialects()) {
  describe(`projects API (${dialect.name})`, () => {
    let server: TestServer;
    let url: string;
    let alice: TestUser;
    let bob: TestUser;

    before(async () => {
      server = await startTestServer(dialect);
      url = server.url;
      alice = await addUser(server, 'alice');
      bob = await addUser(server, 'bob');
    });
    after(async () => {
      await server.close();
    });

    it('creates a project with Location, Harbor JSON and its creator as project admin', async () => {
      const id = await newProject(url, 'alpha', { authorization: alice.auth });
      for (const ref of [String(id), 'alpha']) {
        const project = await expectJson<ProjectJson>(await api(url, 'GET', `/projects/${ref}`, { authorization: alice.auth }), 200);
        assert.equal(project.project_id, id);
        assert.equal(project.name, 'alpha');
        assert.equal(project.owner_id, alice.id);
        assert.equal(project.owner_name, 'alice');
        assert.equal(project.repo_count, 0);
        assert.equal(project.chart_count, 0);
        assert.equal(project.deleted, false);
        // Harbor leaves registry_id out for projects that are not proxy caches.
        assert.equal('registry_id' in project, false);
        assert.equal(project.current_user_role_id, 1);
        assert.deepEqual(project.current_user_role_ids, [1]);
        assert.deepEqual(project.metadata, { public: 'false' });
        assert.deepEqual(project.cve_allowlist.items, []);
        assert.ok(!Number.isNaN(Date.parse(project.creation_time)) && project.creation_time.endsWith('Z'));
      }
      const members = await expectJson<Array<{ entity_name: string; role_id: number; role_name: string }>>(
        await api(url, 'GET', '/projects/alpha/members', { authorization: alice.auth }),
        200,
      );
      assert.deepEqual(
        members.map((m) => [m.entity_name, m.role_id, m.role_name]),
        [['alice', 1, 'projectAdmin']],
      );
      const audit = await server.database.db.selectFrom('audit_logs').selectAll().where('resource_type', '=', 'project').where('resource', '=', 'alpha').execute();
      assert.deepEqual(
        audit.map((a) => [a.operation, a.username, Number(a.project_id)]),
        [['create', 'alice', id]],
      );
    });

    it('puts the name in Location when asked', async () => {
      const res = await api(url, 'POST', '/projects', {
        body: { project_name: 'named-location' },
        headers: { 'x-resource-name-in-location': 'true' },
      });
      await expectJson(res, 201);
      assert.equal(res.headers.get('location'), '/api/v2.0/projects/named-location');
    });

    it('takes the deprecated public flag and metadata on creation', async () => {
      await expectJson(await api(url, 'POST', '/projects', { body: { project_name: 'legacy-public', public: true } }), 201);
      await expectJson(
        await api(url, 'POST', '/projects', { body: { project_name: 'meta-create', metadata: { public: 'true', auto_scan: true, severity: 'high' } } }),
        201,
      );
      const legacy = await expectJson<ProjectJson>(await api(url, 'GET', '/projects/legacy-public', { authorization: null }), 200);
      assert.equal(legacy.metadata.public, 'true');
      const meta = await expectJson<ProjectJson>(await api(url, 'GET', '/projects/meta-create'), 200);
      assert.deepEqual(meta.metadata, { auto_scan: 'true', public: 'true', severity: 'high' });
    });

    it('refuses bad names, duplicates and unknown metadata with Harbor envelopes, storing nothing', async () => {
      const before = await names(url);
      for (const name of ['Upper', 'a..b', '-lead', 'trail-', 'with space', 'x'.repeat(256), '', 'sla/sh']) {
        const error = await expectError(await api(url, 'POST', '/projects', { body: { project_name: name } }), 400);
        assert.equal(error.code, 'BAD_REQUEST');
      }
      assert.equal((await expectError(await api(url, 'POST', '/projects', { body: {} }), 400)).message, 'project_name is required');
      const typed = await expectError(await api(url, 'POST', '/projects', { body: { project_name: 42 } }), 400);
      assert.match(typed.message, /project_name/);
      await expectError(await api(url, 'POST', '/projects', { body: { project_name: 'meta-bad', metadata: { colour: 'blue' } } }), 400);
      await expectError(await api(url, 'POST', '/projects', { body: { project_name: 'meta-bad', metadata: { public: 'yes' } } }), 400);
      await expectError(await api(url, 'POST', '/projects', { body: { project_name: 'meta-bad', metadata: { severity: 'x'.repeat(10_000) } } }), 400);
      await expectError(await api(url, 'POST', '/projects', { body: { project_name: 'proxy', registry_id: 3 } }), 400);
      assert.deepEqual(await names(url), before);

      await newProject(url, 'dup');
      const conflict = await expectError(await api(url, 'POST', '/projects', { body: { project_name: 'dup' }, authorization: bob.auth }), 409);
      assert.equal(conflict.code, 'CONFLICT');
      const rows = await server.database.db.selectFrom('projects').select('id').where('name', '=', 'dup').execute();
      assert.equal(rows.length, 1);
    });

    it('answers 1–255 character names', async () => {
      await newProject(url, 'z');
      await newProject(url, 'a'.repeat(255));
      await newProject(url, 'a1.b_2-c');
    });

    it('needs authentication to create, and admin rights when creation is admin-only', async () => {
      assert.equal((await expectError(await api(url, 'POST', '/projects', { authorization: null, body: { project_name: 'anon' } }), 401)).code, 'UNAUTHORIZED');
      await expectJson(await api(url, 'PUT', '/configurations', { body: { project_creation_restriction: 'adminonly' } }), 200);
      try {
        const refused = await expectError(await api(url, 'POST', '/projects', { authorization: bob.auth, body: { project_name: 'bobs' } }), 403);
        assert.equal(refused.code, 'FORBIDDEN');
        await newProject(url, 'admins-only');
        const systemRobot = await addRobot(server, 'creator', 'system', [{ namespace: '/', access: [{ resource: 'project', action: 'create' }] }]);
        await newProject(url, 'robot-made', { authorization: systemRobot });
        const robotMade = await expectJson<ProjectJson>(await api(url, 'GET', '/projects/robot-made'), 200);
        assert.equal(robotMade.owner_name, 'admin');
        // The administrator owns it and, as in Harbor, sees their own role in it.
        assert.equal(robotMade.current_user_role_id, 1);
      } finally {
        await expectJson(await api(url, 'PUT', '/configurations', { body: { project_creation_restriction: 'everyone' } }), 200);
      }
      await newProject(url, 'bobs', { authorization: bob.auth });
      assert.equal((await api(url, 'GET', '/projects/bobs')).status, 200);
    });

    it('never lets project robots create projects', async () => {
      const projectId = await newProject(url, 'robot-home');
      const robot = await addRobot(
        server,
        'robot-home+ci',
        'project',
        [{ namespace: 'robot-home', access: [{ resource: 'repository', action: 'push' }] }],
        projectId,
      );
      await expectError(await api(url, 'POST', '/projects', { authorization: robot, body: { project_name: 'robot-child' } }), 403);
      const noCreate = await addRobot(server, 'nocreate', 'system', [{ namespace: '/', access: [{ resource: 'audit-log', action: 'list' }] }]);
      await expectError(await api(url, 'POST', '/projects', { authorization: noCreate, body: { project_name: 'robot-child' } }), 403);
      assert.equal((await api(url, 'GET', '/projects/robot-child')).status, 404);
    });

    it('answers HEAD with whether a name is taken', async () => {
      await newProject(url, 'taken');
      assert.equal((await api(url, 'HEAD', '/projects?project_name=taken', { authorization: bob.auth })).status, 200);
      assert.equal((await api(url, 'HEAD', '/projects?project_name=free', { authorization: bob.auth })).status, 404);
      assert.equal((await api(url, 'HEAD', '/projects', { authorization: bob.auth })).status, 400);
      assert.equal((await api(url, 'HEAD', '/projects?project_name=taken', { authorization: null })).status, 401);
    });

    it('shows each caller exactly the projects it may read', async () => {
      await newProject(url, 'vis-private', { authorization: alice.auth });
      await newProject(url, 'vis-public', { authorization: alice.auth, public: true });
      await newProject(url, 'vis-other', { authorization: alice.auth });
      const carol = await addUser(server, 'carol');
      await addMember(url, 'vis-other', 'carol', 3, alice.auth);

      const bobSees = await names(url, bob.auth, '&name=vis-');
      assert.deepEqual(bobSees, ['vis-public']);
      await expectError(await api(url, 'GET', '/projects/vis-private', { authorization: bob.auth }), 404);
      const vp = await expectJson<ProjectJson>(await api(url, 'GET', '/projects/vis-public', { authorization: bob.auth }), 200);
      assert.equal(vp.current_user_role_id, 0);
      assert.deepEqual(vp.current_user_role_ids, []);

      assert.deepEqual(await names(url, null, '&name=vis-'), ['vis-public']);
      assert.equal((await api(url, 'GET', '/projects/vis-private', { authorization: null })).status, 401);

      assert.deepEqual(await names(url, carol.auth, '&name=vis-'), ['vis-other', 'vis-public']);
      const other = (await expectJson<ProjectJson[]>(await api(url, 'GET', '/projects?name=vis-other', { authorization: carol.auth }), 200))[0];
      assert.equal(other?.current_user_role_id, 3);

      assert.deepEqual(await names(url, undefined, '&name=vis-'), ['vis-other', 'vis-private', 'vis-public']);

      const robot = await addRobot(server, 'reader', 'system', [
        {
          namespace: 'vis-private',
          access: [
            { resource: '', action: 'read' },
            { resource: 'repository', action: 'pull' },
          ],
        },
      ]);
      assert.deepEqual(await names(url, robot, '&name=vis-'), ['vis-private', 'vis-public']);
      const everywhere = await addRobot(server, 'everywhere', 'system', [{ namespace: '*', access: [{ resource: '', action: 'read' }] }]);
      assert.deepEqual(await names(url, everywhere, '&name=vis-'), ['vis-other', 'vis-private', 'vis-public']);

      // The total counts only what the caller may see.
      const res = await api(url, 'GET', '/projects?name=vis-&page_size=1', { authorization: bob.auth });
      await expectJson(res, 200);
      assert.equal(res.headers.get('x-total-count'), '1');
    });

    it('filters, sorts and pages the listing', async () => {
      for (const name of ['page-c', 'page-a', 'page-b']) await newProject(url, name, { public: name === 'page-b' });
      const first = await api(url, 'GET', '/projects?name=page-&page=1&page_size=2');
      assert.deepEqual(
        (await expectJson<ProjectJson[]>(first, 200)).map((p) => p.name),
        ['page-a', 'page-b'],
      );
      assert.equal(first.headers.get('x-total-count'), '3');
      assert.match(first.headers.get('link') ?? '', /rel="next"/);
      assert.deepEqual(await names(url, undefined, '&name=page-&sort=-name'), ['page-c', 'page-b', 'page-a']);
      assert.deepEqual(await names(url, undefined, '&name=page-&public=true'), ['page-b']);
      assert.deepEqual(await names(url, undefined, '&q=name%3D~page-,public%3Dfalse'), ['page-a', 'page-c']);
      assert.deepEqual(await names(url, undefined, '&q=name%3D%7Bpage-a%20page-c%7D'), ['page-a', 'page-c']);
      const ownerFiltered = await names(url, undefined, '&owner=alice&name=alpha');
      assert.deepEqual(ownerFiltered, ['alpha']);
      const light = await expectJson<Array<Record<string, unknown>>>(await api(url, 'GET', '/projects?name=page-a&with_detail=false'), 200);
      assert.equal(light[0]?.name, 'page-a');
      assert.equal(light[0]?.owner_name, undefined);
      await expectError(await api(url, 'GET', '/projects?sort=secret'), 400);
      await expectError(await api(url, 'GET', '/projects?public=maybe'), 400);
      await expectError(await api(url, 'GET', '/projects?q=colour%3Dblue'), 400);
      await expectError(await api(url, 'GET', '/projects?page_size=1000'), 400);
    });

    it('updates metadata with PUT and keeps the registry view of public in step', async () => {
      await newProject(url, 'upd', { authorization: alice.auth });
      await expectJson(await api(url, 'PUT', '/projects/upd', { authorization: alice.auth, body: { metadata: { public: 'true', prevent_vul: 'true' } } }), 200);
      const project = await expectJson<ProjectJson>(await api(url, 'GET', '/projects/upd', { authorization: null }), 200);
      assert.deepEqual(project.metadata, { prevent_vul: 'true', public: 'true' });
      const row = await server.database.db.selectFrom('projects').select('public').where('name', '=', 'upd').executeTakeFirstOrThrow();
      assert.equal(Number(row.public), 1);

      await expectError(await api(url, 'PUT', '/projects/upd', { authorization: alice.auth, body: { project_name: 'renamed' } }), 400);
      await expectError(await api(url, 'PUT', '/projects/upd', { authorization: alice.auth, body: { metadata: { severity: 'extreme' } } }), 400);
      await addMember(url, 'upd', 'bob', 2, alice.auth);
      await expectError(await api(url, 'PUT', '/projects/upd', { authorization: bob.auth, body: { metadata: { public: 'false' } } }), 403);
      const unchanged = await expectJson<ProjectJson>(await api(url, 'GET', '/projects/upd'), 200);
      assert.equal(unchanged.metadata.public, 'true');
      assert.equal(unchanged.metadata.severity, undefined);
    });

    it('answers 404 for unknown projects', async () => {
      for (const [method, path] of [
        ['GET', '/projects/99999'],
        ['GET', '/projects/nope'],
        ['PUT', '/projects/nope'],
        ['DELETE', '/projects/99999'],
        ['GET', '/projects/nope/summary'],
        ['GET', '/projects/nope/_deletable'],
      ] as const) {
        const error = await expectError(await api(url, method, path, { body: method === 'PUT' ? {} : undefined }), 404);
        assert.equal(error.code, 'NOT_FOUND');
      }
    });

    it('reads a numeric project name when X-Is-Resource-Name is set', async () => {
      const id = await newProject(url, '12345');
      const byName = await expectJson<ProjectJson>(await api(url, 'GET', '/projects/12345', { headers: { 'x-is-resource-name': 'true' } }), 200);
      assert.equal(byName.project_id, id);
    });

    it('refuses to delete a project holding an artifact, then deletes it once empty', async () => {
      const id = await newProject(url, 'doomed', { authorization: alice.auth });
      await expectJson(await api(url, 'PUT', '/projects/doomed', { authorization: alice.auth, body: { metadata: { auto_scan: 'true' } } }), 200);
      await addMember(url, 'doomed', 'bob', 2, alice.auth);
      const client = new TestClient(url);
      const { digest } = await client.pushImage('doomed/app', 'v1');

      const summary = await expectJson<{ repo_count: number }>(await api(url, 'GET', '/projects/doomed/summary', { authorization: alice.auth }), 200);
      assert.equal(summary.repo_count, 1);
      const status = await expectJson<{ deletable: boolean; message: string }>(
        await api(url, 'GET', '/projects/doomed/_deletable', { authorization: alice.auth }),
        200,
      );
      assert.equal(status.deletable, false);
      assert.match(status.message, /holds repositories/);
      const refused = await expectError(await api(url, 'DELETE', '/projects/doomed', { authorization: alice.auth }), 412);
      assert.equal(refused.code, 'PRECONDITION');
      assert.equal(refused.message, 'project doomed holds repositories; delete them first');
      await expectError(await api(url, 'DELETE', '/projects/doomed', { authorization: bob.auth }), 403);
      assert.equal((await api(url, 'GET', '/projects/doomed')).status, 200);
      assert.equal((await api(url, 'GET', '/projects/doomed/members')).headers.get('x-total-count'), '2');

      const deleted = await client.request('DELETE', `/v2/doomed/app/manifests/${digest}`);
      assert.equal(deleted.status, 202);
      // An upload left open must not keep the project alive either.
      const upload = await client.request('POST', '/v2/doomed/other/blobs/uploads/');
      assert.equal(upload.status, 202);

      const now = await expectJson<{ deletable: boolean; message: string }>(
        await api(url, 'GET', '/projects/doomed/_deletable', { authorization: alice.auth }),
        200,
      );
      assert.deepEqual(now, { deletable: true, message: '' });
      await expectJson(await api(url, 'DELETE', '/projects/doomed', { authorization: alice.auth }), 200);
      await expectError(await api(url, 'GET', '/projects/doomed'), 404);
      const db = server.database.db;
      assert.equal((await db.selectFrom('project_members').select('id').where('project_id', '=', id).execute()).length, 0);
      assert.equal((await db.selectFrom('project_metadata').select('name').where('project_id', '=', id).execute()).length, 0);
      assert.equal((await db.selectFrom('repositories').select('id').where('project_id', '=', id).execute()).length, 0);
      assert.equal((await db.selectFrom('uploads').select('id').execute()).length, 0);
      const audit = await db.selectFrom('audit_logs').select('operation').where('resource_type', '=', 'project').where('resource', '=', 'doomed').execute();
      assert.deepEqual(
        audit.map((a) => a.operation),
        ['create', 'update', 'delete'],
      );
      // The name is free again.
      await newProject(url, 'doomed', { authorization: bob.auth });
    });

    it("removes system robots' grants in a deleted project", async () => {
      await newProject(url, 'granted');
      const robot = await addRobot(server, 'granted-reader', 'system', [{ namespace: 'granted', access: [{ resource: '', action: 'read' }] }]);
      assert.equal((await api(url, 'GET', '/projects/granted', { authorization: robot })).status, 200);
      await expectJson(await api(url, 'DELETE', '/projects/granted'), 200);
      await newProject(url, 'granted');
      assert.equal((await api(url, 'GET', '/projects/granted', { authorization: robot })).status, 404);
    });

    it('summarises repositories and, for those who may list members, members by role', async () => {
      await newProject(url, 'summ', { authorization: alice.auth });
      const dave = await addUser(server, 'dave');
      const erin = await addUser(server, 'erin');
      const frank = await addUser(server, 'frank');
      await addMember(url, 'summ', 'bob', 4, alice.auth);
      await addMember(url, 'summ', 'dave', 2, alice.auth);
      await addMember(url, 'summ', 'erin', 3, alice.auth);
      await addMember(url, 'summ', 'frank', 5, alice.auth);
      const quota = { hard: { storage: -1 }, used: { storage: 0 } };
      const expected = { repo_count: 0, project_admin_count: 1, maintainer_count: 1, developer_count: 1, guest_count: 1, limited_guest_count: 1, quota };
      assert.deepEqual(await expectJson(await api(url, 'GET', '/projects/summ/summary', { authorization: alice.auth }), 200), expected);
      assert.deepEqual(await expectJson(await api(url, 'GET', '/projects/summ/summary', { authorization: erin.auth }), 200), expected);
      assert.deepEqual(await expectJson(await api(url, 'GET', '/projects/summ/summary', { authorization: frank.auth }), 200), { repo_count: 0, quota });
      await expectError(await api(url, 'GET', '/projects/summ/summary', { authorization: (await addUser(server, 'stranger')).auth }), 404);
      void dave;
    });

    it('lets only those who may delete see whether a project is deletable', async () => {
      await newProject(url, 'guarded', { authorization: alice.auth });
      await addMember(url, 'guarded', 'bob', 4, alice.auth);
      await expectError(await api(url, 'GET', '/projects/guarded/_deletable', { authorization: bob.auth }), 403);
      await expectError(await api(url, 'DELETE', '/projects/guarded', { authorization: bob.auth }), 403);
      assert.equal((await api(url, 'GET', '/projects/guarded')).status, 200);
    });
  });
}
