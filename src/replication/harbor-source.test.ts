/**
 * Pulling from a Harbor (here another Berth, which speaks Harbor's API) the way Harbor's own
 * adapter does: the source is listed through `/api/v2.0`, so a project robot account that may not
 * read the registry-wide catalog is enough, and a label filter selects by the source's labels.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRobot, projectRobot } from '../robots/fixtures.suite.js';
import { runPolicyToEnd } from './testing/runs.suite.js';
import { api, expectJson } from '../testing/api.js';
import { ADMIN, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';

type Json = Record<string, unknown>;
const idFrom = (res: Response) => Number((res.headers.get('location') ?? '').split('/').pop());

for (const dialect of testDialects()) {
  describe(`pull replication from a Harbor-type endpoint (${dialect.name})`, { timeout: 120_000 }, () => {
    let source: TestServer;
    let here: TestServer;
    let registryId = 0;
    const digests: Record<string, string> = {};

    const created = async (server: TestServer, path: string, body: unknown): Promise<number> => {
      const res = await api(server.url, 'POST', path, { body });
      await expectJson(res, 201);
      return idFrom(res);
    };

    async function runToEnd(policyId: number): Promise<{ execution: Json; tasks: Json[] }> {
      const execution = await runPolicyToEnd(here.url, policyId);
      return { execution, tasks: await expectJson<Json[]>(await api(here.url, 'GET', `/replication/executions/${String(execution.id)}/tasks`), 200) };
    }

    before(async () => {
      [source, here] = await Promise.all([startTestServer(dialect), startTestServer(dialect)]);
      await created(source, '/projects', { project_name: 'team' });
      await created(source, '/projects', { project_name: 'other' });
      const admin = new TestClient(source.url, ADMIN);
      for (const tag of ['v1', 'v2', 'v3']) digests[tag] = (await admin.pushImage('team/app', tag, Buffer.from(`layer ${tag}`))).digest;
      await admin.pushImage('other/secret', 'v1', Buffer.from('not for the robot'));
      const release = await created(source, '/labels', { name: 'release', scope: 'g' });
      for (const tag of ['v1', 'v3'])
        await expectJson(await api(source.url, 'POST', `/projects/team/repositories/app/artifacts/${tag}/labels`, { body: { id: release } }), 200);

      const robot = await createRobot(
        source,
        projectRobot('replicator', 'team', [
          { resource: 'repository', action: 'pull' },
          { resource: 'repository', action: 'list' },
          { resource: 'artifact', action: 'list' },
        ]),
      );
      await created(here, '/projects', { project_name: 'copies' });
      registryId = await created(here, '/registries', {
        name: 'source-harbor',
        type: 'harbor',
        url: source.url,
        credential: { type: 'basic', access_key: robot.name, access_secret: robot.secret },
      });
    });
    after(async () => {
      await Promise.all([source?.close(), here?.close()]);
    });

    it('a project robot is enough: what it may see is copied, other projects are not', async () => {
      const policy = await created(here, '/replication/policies', {
        name: 'everything-visible',
        src_registry: { id: registryId },
        dest_namespace: 'copies',
        dest_namespace_replace_count: 1,
        filters: [{ type: 'name', value: '**' }],
        trigger: { type: 'manual' },
        enabled: true,
      });
      const { execution, tasks } = await runToEnd(policy);
      assert.equal(execution.status, 'Succeed', JSON.stringify({ execution, tasks }));
      assert.deepEqual(tasks.map((t) => t.src_resource).sort(), ['team/app:[v1]', 'team/app:[v2]', 'team/app:[v3]']);
      const copied = await expectJson<Array<{ digest: string; tags: Array<{ name: string }> }>>(
        await api(here.url, 'GET', '/projects/copies/repositories/app/artifacts?with_tag=true'),
        200,
      );
      assert.deepEqual(copied.map((a) => a.digest).sort(), Object.values(digests).sort());
    });

    it('a label filter selects what carries the label on the source', async () => {
      const policy = await created(here, '/replication/policies', {
        name: 'releases-only',
        src_registry: { id: registryId },
        dest_namespace: 'copies',
        dest_namespace_replace_count: 1,
        filters: [
          { type: 'name', value: 'team/**' },
          { type: 'label', value: ['release'] },
        ],
        trigger: { type: 'manual' },
        enabled: true,
      });
      const { execution, tasks } = await runToEnd(policy);
      assert.equal(execution.status, 'Succeed', JSON.stringify({ execution, tasks }));
      assert.deepEqual(tasks.map((t) => t.src_resource).sort(), ['team/app:[v1]', 'team/app:[v3]']);
    });
  });
}
