import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { basic, OCI_MANIFEST, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { addProject, addUser, createRobot, errorMessage, projectRobot, PULL } from './fixtures.suite.js';
import type { RobotCreatedJson, RobotJson } from './schema.js';

const DAY_MS = 86_400_000;

for (const dialect of testDialects()) {
  describe(`robot_name_prefix and robot_token_duration (${dialect.name})`, () => {
    let server: TestServer;
    const now = Date.now();
    const clock = { now: () => now };
    const configure = async (body: Record<string, unknown>) => expectJson(await api(server.url, 'PUT', '/configurations', { body }), 200);
    const pulls = async (robot: RobotCreatedJson) => {
      const client = new TestClient(server.url, basic(robot.name, robot.secret));
      const res = await client.request('GET', '/v2/team/app/manifests/v1', { headers: { accept: OCI_MANIFEST }, scope: 'repository:team/app:pull' });
      await res.arrayBuffer();
      return res.status;
    };

    before(async () => {
      server = await startTestServer(dialect, {}, clock);
      await addProject(server, 'team');
      await new TestClient(server.url).pushImage('team/app', 'v1');
    });
    after(() => server.close());

    it('names new robots with robot_name_prefix; existing robots keep their names, and both log in', async () => {
      const before = await createRobot(server, projectRobot('early', 'team', [PULL]));
      assert.equal(before.name, 'robot$team+early');
      await configure({ robot_name_prefix: 'bot-' });
      const later = await createRobot(server, projectRobot('late', 'team', [PULL]));
      assert.equal(later.name, 'bot-team+late');
      const system = await createRobot(server, { name: 'ci', level: 'system', duration: -1, permissions: [{ kind: 'project', namespace: 'team', access: [PULL] }] });
      assert.equal(system.name, 'bot-ci');
      assert.equal((await expectJson<RobotJson>(await api(server.url, 'GET', `/robots/${before.id}`), 200)).name, 'robot$team+early');
      assert.equal(await pulls(before), 200);
      assert.equal(await pulls(later), 200);
      assert.equal(await pulls(system), 200);
      // A wrong secret still fails for a robot named with the new prefix.
      const wrong = await fetch(`${server.url}/service/token?service=berth-registry&scope=repository:team/app:pull`, {
        headers: { authorization: basic(later.name, 'Not-the-secret-1') },
      });
      assert.equal(wrong.status, 401);
      await configure({ robot_name_prefix: 'robot$' });
    });

    it('keeps robots and users from sharing a name whatever the prefix', async () => {
      await configure({ robot_name_prefix: 'svc-' });
      await addUser(server, 'svc-deploy');
      const message = await errorMessage(
        await api(server.url, 'POST', '/robots', {
          body: { name: 'deploy', level: 'system', duration: -1, permissions: [{ kind: 'project', namespace: 'team', access: [PULL] }] },
        }),
        409,
      );
      assert.match(message, /svc-deploy already exists/);
      await createRobot(server, { name: 'builder', level: 'system', duration: -1, permissions: [{ kind: 'project', namespace: 'team', access: [PULL] }] });
      const taken = await errorMessage(
        await api(server.url, 'POST', '/users', { body: { username: 'svc-builder', password: 'Builder-Passw0rd', email: 'b@example.com', realname: 'B' } }),
        409,
      );
      assert.match(taken, /taken by a robot account/);
      await configure({ robot_name_prefix: 'robot$' });
    });

    it('gives new robots robot_token_duration days when they name no duration', async () => {
      const standard = await createRobot(server, projectRobot('standard', 'team', [PULL], { duration: undefined }));
      assert.equal(standard.expires_at, Math.floor((now + 30 * DAY_MS) / 1000));
      await configure({ robot_token_duration: 7 });
      const short = await createRobot(server, projectRobot('short', 'team', [PULL], { duration: undefined }));
      assert.equal(short.expires_at, Math.floor((now + 7 * DAY_MS) / 1000));
      assert.equal((await expectJson<RobotJson>(await api(server.url, 'GET', `/robots/${short.id}`), 200)).duration, 7);
      const zero = await createRobot(server, projectRobot('zero', 'team', [PULL], { duration: 0 }));
      assert.equal(zero.expires_at, Math.floor((now + 7 * DAY_MS) / 1000));
      // A duration given is kept; the robot made before the change keeps its expiry.
      const explicit = await createRobot(server, projectRobot('explicit', 'team', [PULL], { duration: 90 }));
      assert.equal(explicit.expires_at, Math.floor((now + 90 * DAY_MS) / 1000));
      assert.equal((await expectJson<RobotJson>(await api(server.url, 'GET', `/robots/${standard.id}`), 200)).expires_at, standard.expires_at);
      await configure({ robot_token_duration: 30 });
    });
  });
}
