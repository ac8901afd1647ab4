import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { api, expectJson } from '../testing/api.js';
import { basic, errorCode, OCI_MANIFEST, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { addProject, createRobot, projectRobot, PULL, PUSH } from './fixtures.suite.js';
import type { RobotCreatedJson, RobotJson } from './schema.js';

const DAY_MS = 86_400_000;

for (const dialect of testDialects()) {
  describe(`robot accounts at work (${dialect.name})`, () => {
    let server: TestServer;
    let now = Date.now();
    const clock = { now: () => now };
    let admin: TestClient;

    before(async () => {
      server = await startTestServer(dialect, {}, clock);
      await addProject(server, 'secret');
      admin = new TestClient(server.url);
      await admin.pushImage('secret/app', 'v1');
    });
    after(() => server.close());

    const auth = (robot: RobotCreatedJson, secret = robot.secret) => basic(robot.name, secret);

    async function token(authorization: string, scope: string): Promise<Response> {
      return fetch(`${server.url}/service/token?service=berth-registry&scope=${encodeURIComponent(scope)}`, { headers: { authorization } });
    }

    async function grantedActions(authorization: string, scope: string): Promise<string[]> {
      const { token: jwt } = await expectJson<{ token: string }>(await token(authorization, scope), 200);
      const access = decodeJwt(jwt).access as Array<{ actions: string[] }>;
      return access[0]!.actions;
    }

    async function pullManifest(client: TestClient, name = 'secret/app'): Promise<number> {
      const res = await client.request('GET', `/v2/${name}/manifests/v1`, { headers: { accept: OCI_MANIFEST }, scope: `repository:${name}:pull` });
      await res.arrayBuffer();
      return res.status;
    }

    it('logs in on /service/token and pulls from a private project it may pull from', async () => {
      const robot = await createRobot(server, projectRobot('puller', 'secret', [PULL]));
      const res = await token(auth(robot), 'repository:secret/app:pull');
      const { token: jwt } = await expectJson<{ token: string }>(res, 200);
      assert.equal(decodeJwt(jwt).sub, 'robot$secret+puller');
      assert.equal(await pullManifest(new TestClient(server.url, auth(robot))), 200);
      // Basic credentials work on the management API too; it may list no robots.
      assert.deepEqual(await expectJson(await api(server.url, 'GET', '/robots', { authorization: auth(robot) }), 200), []);
    });

    it('cannot push with pull only: the token grants no push and the upload is refused', async () => {
      const robot = await createRobot(server, projectRobot('readonly', 'secret', [PULL]));
      assert.deepEqual(await grantedActions(auth(robot), 'repository:secret/app:pull,push'), ['pull']);
      const client = new TestClient(server.url, auth(robot));
      // No token could help, so the registry answers DENIED rather than asking for another token.
      const res = await client.request('POST', '/v2/secret/app/blobs/uploads/', { scope: 'repository:secret/app:pull,push' });
      assert.equal(res.status, 403);
      assert.equal(await errorCode(res), 'DENIED');
    });

    it('pushes with push, which also lets it pull', async () => {
      const robot = await createRobot(server, projectRobot('pusher', 'secret', [PUSH]));
      const client = new TestClient(server.url, auth(robot));
      await client.pushImage('secret/pushed', 'v1');
      assert.equal(await pullManifest(client, 'secret/pushed'), 200);
      // Nothing outside its project.
      await addProject(server, 'elsewhere');
      assert.deepEqual(await grantedActions(auth(robot), 'repository:elsewhere/app:pull,push'), []);
    });

    it('pushes only to repositories matching its patterns', async () => {
      const body = projectRobot('team', 'secret', [PUSH]);
      (body.permissions as Array<Record<string, unknown>>)[0]!.repository_patterns = ['team-a/**'];
      const robot = await createRobot(server, body);
      const listed = await expectJson<RobotJson>(await api(server.url, 'GET', `/robots/${robot.id}`), 200);
      assert.deepEqual(listed.permissions[0]!.repository_patterns, ['team-a/**']);
      const client = new TestClient(server.url, auth(robot));
      await client.pushImage('secret/team-a/app', 'v1');
      assert.equal(await pullManifest(client, 'secret/team-a/app'), 200);
      assert.deepEqual(await grantedActions(auth(robot), 'repository:secret/other:pull,push'), []);
      await assert.rejects(client.pushImage('secret/other', 'v1'), /push blob: 403 .*DENIED/);
      assert.equal(await pullManifest(client), 403);
    });

    it('a system robot with project permissions on every project pulls anywhere', async () => {
      const robot = await createRobot(server, { name: 'everywhere', level: 'system', permissions: [{ kind: 'project', namespace: '*', access: [PULL] }] });
      assert.equal(robot.name, 'robot$everywhere');
      assert.equal(await pullManifest(new TestClient(server.url, auth(robot))), 200);
      assert.deepEqual(await grantedActions(auth(robot), 'repository:secret/app:pull,push'), ['pull']);
    });

    it('stops working once disabled, also with a token issued before, and works again once enabled', async () => {
      const robot = await createRobot(server, projectRobot('switch', 'secret', [PULL]));
      const client = new TestClient(server.url, auth(robot));
      assert.equal(await pullManifest(client), 200);
      const current = await expectJson<RobotJson>(await api(server.url, 'GET', `/robots/${robot.id}`), 200);
      await expectJson(await api(server.url, 'PUT', `/robots/${robot.id}`, { body: { ...current, disable: true } }), 200);
      assert.equal((await token(auth(robot), 'repository:secret/app:pull')).status, 401);
      // The client still holds the token issued before: the registry checks the robot on every request.
      assert.equal(await pullManifest(client), 401);
      assert.equal((await api(server.url, 'GET', '/robots', { authorization: auth(robot) })).status, 401);
      await expectJson(await api(server.url, 'PUT', `/robots/${robot.id}`, { body: { disable: false } }), 200);
      assert.equal(await pullManifest(new TestClient(server.url, auth(robot))), 200);
    });

    it('stops working once expired, and works again when given a longer duration', async () => {
      const robot = await createRobot(server, projectRobot('shortlived', 'secret', [PULL], { duration: 1 }));
      assert.equal(robot.expires_at, Math.floor((now + DAY_MS) / 1000));
      assert.equal(await pullManifest(new TestClient(server.url, auth(robot))), 200);
      now += DAY_MS + 1000;
      assert.equal((await token(auth(robot), 'repository:secret/app:pull')).status, 401);
      await expectJson(await api(server.url, 'PUT', `/robots/${robot.id}`, { body: { duration: 2 } }), 200);
      const renewed = await expectJson<RobotJson>(await api(server.url, 'GET', `/robots/${robot.id}`), 200);
      assert.equal(renewed.expires_at, Math.floor((now + 2 * DAY_MS) / 1000));
      assert.equal(await pullManifest(new TestClient(server.url, auth(robot))), 200);
    });

    it('refreshing the secret retires the old one', async () => {
      const robot = await createRobot(server, projectRobot('rotated', 'secret', [PULL]));
      assert.equal(await pullManifest(new TestClient(server.url, auth(robot))), 200);
      const { secret } = await expectJson<{ secret: string }>(await api(server.url, 'PATCH', `/robots/${robot.id}`, { body: {} }), 200);
      assert.equal((await token(auth(robot), 'repository:secret/app:pull')).status, 401);
      assert.equal(await pullManifest(new TestClient(server.url, auth(robot, secret))), 200);
    });

    it('cannot log in once deleted', async () => {
      const robot = await createRobot(server, projectRobot('gone', 'secret', [PULL]));
      assert.equal(await pullManifest(new TestClient(server.url, auth(robot))), 200);
      await expectJson(await api(server.url, 'DELETE', `/robots/${robot.id}`), 200);
      assert.equal((await token(auth(robot), 'repository:secret/app:pull')).status, 401);
    });
  });
}
