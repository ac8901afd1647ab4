import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { ADMIN, basic, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { assertMatchesHarbor } from '../testing/harbor-schema.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../testing/server.js';

const CSRF = 'x-harbor-csrf-token';
const PASSWORD = 'Passw0rd-compat';

interface ErrorBody {
  errors: Array<{ code: string; message: string }>;
}

for (const dialect of testDialects()) {
  describe(`Harbor API compatibility (${dialect.name})`, () => {
    let server: TestServer;
    let digests: Record<string, string>;

    before(async () => {
      server = await startTestServer(dialect);
      const create = async (path: string, body: unknown) => expectJson(await api(server.url, 'POST', path, { body }), 201);
      await create('/projects', { project_name: 'alpha', metadata: { public: 'true' } });
      await create('/projects', { project_name: 'beta', metadata: { public: 'false' } });
      await create('/projects', { project_name: 'gamma', metadata: { public: 'false' } });
      await create('/users', { username: 'member', password: PASSWORD, email: 'member@example.com', realname: 'member' });
      const client = new TestClient(server.url);
      digests = {
        one: (await client.pushImage('alpha/app', 'one')).digest,
        two: (await client.pushImage('alpha/app', 'two')).digest,
        three: (await client.pushImage('alpha/app', 'three')).digest,
      };
      await client.pushImage('alpha/web', 'v1');
      await client.pushImage('alpha/db', 'v1');
      // A second tag on "one": the tags (a b) filter needs an artifact with both.
      await create(`/projects/alpha/repositories/app/artifacts/one/tags`, { name: 'stable' });
    });
    after(() => server.close());

    async function errorOf(res: Response, status: number): Promise<ErrorBody> {
      const body = await expectJson<ErrorBody>(res, status);
      assertMatchesHarbor('Errors', body);
      return body;
    }

    it('answers an unknown /api/v2.0 route with 404 in Harbor’s error envelope', async () => {
      const body = await errorOf(await api(server.url, 'GET', '/no-such-thing?x=1'), 404);
      assert.equal(body.errors[0]?.code, 'NOT_FOUND');
      assert.equal(body.errors[0]?.message, 'path /api/v2.0/no-such-thing was not found');
      await errorOf(await api(server.url, 'GET', '/projects/alpha/no-such-thing', { authorization: null }), 404);
    });

    it('answers a wrong method on a known /api/v2.0 path with 405 and Allow', async () => {
      const res = await api(server.url, 'DELETE', '/ping');
      assert.equal(res.headers.get('allow'), 'GET, HEAD');
      assert.equal((await errorOf(res, 405)).errors[0]?.code, 'METHOD_NOT_ALLOWED');
      const projects = await api(server.url, 'PATCH', '/projects');
      assert.deepEqual(projects.headers.get('allow')?.split(', ').sort(), ['GET', 'HEAD', 'POST']);
      await errorOf(projects, 405);
      // A parameter segment: any project name is the same path.
      const tags = await api(server.url, 'PUT', '/projects/x/repositories/y/artifacts/z/tags');
      assert.deepEqual(tags.headers.get('allow')?.split(', ').sort(), ['GET', 'HEAD', 'POST']);
      await errorOf(tags, 405);
      // A route registered outside the scope under the same prefix.
      assert.equal((await api(server.url, 'POST', '/health')).status, 405);
    });

    it('answers unknown /v2/ routes in the OCI error envelope', async () => {
      const res = await fetch(`${server.url}/v2/alpha/app/nonsense`, { headers: { authorization: ADMIN } });
      const body = await expectJson<{ errors: Array<{ code: string; message: string; detail: unknown }> }>(res, 404);
      assert.equal(body.errors[0]?.code, 'NAME_UNKNOWN');
      assert.ok('detail' in (body.errors[0] ?? {}));
    });

    it('answers GET /api/version with the API version', async () => {
      const res = await fetch(`${server.url}/api/version`);
      assert.deepEqual(await expectJson(res, 200), { version: 'v2.0' });
    });

    it('lists with q={a b} (any of) and q=(a b) (all of) on projects, repositories, artifacts, tags, robots and users', async () => {
      const list = async <T>(path: string, q: string): Promise<T[]> => {
        const res = await api(server.url, 'GET', `${path}${path.includes('?') ? '&' : '?'}q=${encodeURIComponent(q)}`);
        return expectJson<T[]>(res, 200);
      };
      const names = (rows: Array<{ name: string }>) => rows.map((r) => r.name).sort();

      assert.deepEqual(names(await list<{ name: string }>('/projects', 'name={alpha gamma}')), ['alpha', 'gamma']);
      assert.deepEqual(names(await list<{ name: string }>('/projects', 'name=(alpha alpha)')), ['alpha']);
      assert.deepEqual(names(await list<{ name: string }>('/projects', 'name=(alpha beta)')), []);
      assert.deepEqual(names(await list<{ name: string }>('/projects', 'public={true false},name={alpha beta}')), ['alpha', 'beta']);

      const repos = await list<{ name: string }>('/projects/alpha/repositories', 'name={alpha/app alpha/db}');
      assert.deepEqual(names(repos), ['alpha/app', 'alpha/db']);
      for (const repo of repos) assertMatchesHarbor('Repository', repo);
      assert.deepEqual(names(await list<{ name: string }>('/repositories', 'name=(alpha/web)')), ['alpha/web']);

      const artifacts = '/projects/alpha/repositories/app/artifacts';
      const digestsOf = (rows: Array<{ digest: string }>) => rows.map((r) => r.digest).sort();
      assert.deepEqual(digestsOf(await list<{ digest: string }>(artifacts, `digest={${digests.one} ${digests.three}}`)), [digests.one, digests.three].sort());
      assert.deepEqual(digestsOf(await list<{ digest: string }>(artifacts, 'tags={two three}')), [digests.two, digests.three].sort());
      assert.deepEqual(digestsOf(await list<{ digest: string }>(artifacts, 'tags=(one stable)')), [digests.one]);
      assert.deepEqual(digestsOf(await list<{ digest: string }>(artifacts, 'tags=(two stable)')), []);
      assert.equal((await list('/projects/alpha/artifacts', 'type={IMAGE CHART}')).length, 5);

      const tags = await list<{ name: string }>(`${artifacts}/one/tags`, 'name={stable other}');
      assert.deepEqual(names(tags), ['stable']);
      for (const tag of tags) assertMatchesHarbor('Tag', tag);

      for (const name of ['ci', 'cd']) {
        await expectJson(
          await api(server.url, 'POST', '/robots', {
            body: {
              name,
              level: 'system',
              duration: -1,
              permissions: [{ kind: 'project', namespace: 'alpha', access: [{ resource: 'repository', action: 'pull' }] }],
            },
          }),
          201,
        );
      }
      assert.deepEqual(names(await list<{ name: string }>('/robots', 'name={ci cd}')), ['robot$cd', 'robot$ci']);

      const users = await list<{ username: string }>('/users', 'username={member admin}');
      assert.deepEqual(users.map((u) => u.username).sort(), ['admin', 'member']);

      // An empty list is a mistake, answered as one.
      await errorOf(await api(server.url, 'GET', `/projects?q=${encodeURIComponent('name={}')}`), 400);
    });

    it('answers POST …/tags with a Location naming the new tag', async () => {
      const path = '/projects/alpha/repositories/app/artifacts/two/tags';
      const res = await api(server.url, 'POST', path, { body: { name: 'release' } });
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('location'), `/api/v2.0${path}/release`);
    });

    it('checks the CSRF token whenever the session cookie comes, even beside Basic credentials', async () => {
      const login = await fetch(`${server.url}/c/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ principal: 'admin', password: ADMIN_PASSWORD }).toString(),
      });
      assert.equal(login.status, 200);
      const cookie = login.headers.getSetCookie()[0]?.split(';')[0] ?? '';
      const token = login.headers.get(CSRF) ?? '';
      const body = { project_name: 'from-browser' };
      // What a cross-site form would send: the cookie and cached Basic credentials, no token.
      const forged = await api(server.url, 'POST', '/projects', { authorization: ADMIN, headers: { cookie }, body });
      assert.equal((await errorOf(forged, 403)).errors[0]?.code, 'FORBIDDEN');
      // A cookie naming no live session has no token to match.
      await errorOf(await api(server.url, 'POST', '/projects', { authorization: ADMIN, headers: { cookie: 'sid=stale' }, body }), 403);
      await expectJson(await api(server.url, 'POST', '/projects', { authorization: ADMIN, headers: { cookie, [CSRF]: token }, body }), 201);
      // Scripts with Basic credentials and no cookie are not asked; reads never are.
      await expectJson(await api(server.url, 'POST', '/projects', { body: { project_name: 'from-script' } }), 201);
      assert.equal((await api(server.url, 'GET', '/projects', { authorization: ADMIN, headers: { cookie } })).status, 200);
    });

    it('reads a numeric {project_name} as a name, and {project_name_or_id} as an id', async () => {
      await expectJson(await api(server.url, 'POST', '/projects', { body: { project_name: '2', metadata: { public: 'false' } } }), 201);
      const numeric = await server.database.db.selectFrom('projects').select('id').where('name', '=', '2').executeTakeFirstOrThrow();
      const other = await server.database.db.selectFrom('projects').select('name').where('id', '=', 2).executeTakeFirstOrThrow();
      assert.notEqual(other.name, '2');
      const client = new TestClient(server.url);
      await client.pushImage('2/app', 'v1');
      const repos = await expectJson<Array<{ name: string }>>(await api(server.url, 'GET', '/projects/2/repositories'), 200);
      assert.deepEqual(
        repos.map((r) => r.name),
        ['2/app'],
      );
      await expectJson(await api(server.url, 'GET', '/projects/2/repositories/app'), 200);
      const artifacts = await expectJson<Array<{ tags: Array<{ name: string }> }>>(await api(server.url, 'GET', '/projects/2/repositories/app/artifacts'), 200);
      assert.deepEqual(
        artifacts.map((a) => a.tags.map((t) => t.name)),
        [['v1']],
      );
      await expectJson(await api(server.url, 'GET', '/projects/2/repositories/app/artifacts/v1/tags'), 200);
      await expectJson(await api(server.url, 'POST', '/projects/2/repositories/app/artifacts/v1/tags', { body: { name: 'v1-copy' } }), 201);
      await expectJson(await api(server.url, 'GET', '/projects/2/logs'), 200);
      // {project_name_or_id}: digits are an id, unless X-Is-Resource-Name says otherwise.
      const byId = await expectJson<{ name: string }>(await api(server.url, 'GET', '/projects/2'), 200);
      assert.equal(byId.name, other.name);
      const byName = await expectJson<{ project_id: number }>(await api(server.url, 'GET', '/projects/2', { headers: { 'x-is-resource-name': 'true' } }), 200);
      assert.equal(byName.project_id, numeric.id);
    });

    it('answers a member_group of an unknown id with Harbor’s error, onboards one named by type, and ignores an empty one', async () => {
      const post = (body: unknown) => api(server.url, 'POST', '/projects/beta/members', { body });
      const byId = await errorOf(await post({ role_id: 2, member_group: { id: 7 } }), 400);
      assert.equal(byId.errors[0]?.message, 'Group 7 not found');
      // An OIDC group Berth has not seen is created and added, as Harbor onboards it.
      assert.equal((await post({ role_id: 2, member_group: { group_name: 'devs', group_type: 3 } })).status, 201);
      await errorOf(await post({ role_id: 2, member_group: {} }), 400);
      // What some clients send for a user: an empty group beside it.
      assert.equal((await post({ role_id: 2, member_user: { username: 'member' }, member_group: {} })).status, 201);
      const members = await expectJson<Array<{ entity_name: string }>>(
        await api(server.url, 'GET', '/projects/beta/members', { authorization: basic('member', PASSWORD) }),
        200,
      );
      assert.ok(members.some((m) => m.entity_name === 'member'));
    });
  });
}
