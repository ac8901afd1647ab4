/**
 * REPLICATION webhooks end to end: replication runs against a real CNCF distribution, and a
 * real HTTP receiver takes what the policies of the touched projects are sent, in Harbor's
 * Default payload and as CloudEvents; a run whose destination is down reports its failures.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { runPolicyToEnd } from '../replication/testing/runs.suite.js';
import { api, expectJson } from '../testing/api.js';
import { basic, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { eventually } from '../testing/wait.js';
import { startDistribution, type DistributionServer } from '../testing/distribution.js';
import { Receiver, type Received } from '../testing/receiver.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../testing/server.js';
import { skipUnlessTools } from '../../test/e2e/harness.js';

type Json = Record<string, unknown>;

for (const dialect of testDialects()) {
  describe(`REPLICATION webhooks (${dialect.name})`, { skip: skipUnlessTools('docker-registry'), timeout: 240_000 }, () => {
    let server: TestServer;
    let remote: DistributionServer;
    let down: DistributionServer;
    const receiver = new Receiver();
    let registryId = 0;
    let downId = 0;
    let pushedDigest = '';
    const call = (method: string, path: string, body?: unknown) => api(server.url, method, path, body === undefined ? {} : { body });
    const idFrom = (res: Response) => Number((res.headers.get('location') ?? '').split('/').pop());
    const replications = (path: string) =>
      receiver.received.filter((r) => r.path === path && (r.body.type === 'REPLICATION' || r.body.type === 'harbor.replication.status.changed'));

    async function createPolicy(body: Json): Promise<number> {
      const created = await call('POST', '/replication/policies', { trigger: { type: 'manual' }, ...body });
      await expectJson(created, 201);
      return idFrom(created);
    }

    const runToEnd = (policyId: number): Promise<Json> => runPolicyToEnd(server.url, policyId);

    async function hook(project: string, name: string, path: string, payloadFormat: 'Default' | 'CloudEvents' = 'Default'): Promise<void> {
      await expectJson(
        await call('POST', `/projects/${project}/webhook/policies`, {
          name,
          targets: [{ type: 'http', address: `${receiver.url}${path}`, payload_format: payloadFormat }],
          event_types: ['REPLICATION'],
        }),
        201,
      );
    }

    before(async () => {
      await receiver.start();
      server = await startTestServer(dialect, { jobs: { pollIntervalMs: 50 }, outbound: { allowPrivateNetworks: true } });
      remote = await startDistribution();
      down = await startDistribution();
      const created = await call('POST', '/registries', { name: 'mirror-site', type: 'docker-registry', url: remote.url });
      await expectJson(created, 201);
      registryId = idFrom(created);
      const second = await call('POST', '/registries', {
        name: 'gone-site',
        type: 'docker-registry',
        url: down.url,
        credential: { type: 'basic', access_key: 'robot', access_secret: 'robot-secret' },
      });
      await expectJson(second, 201);
      downId = idFrom(second);
      await down.stop();
      for (const project of ['shipping', 'arrivals', 'bystander']) await expectJson(await call('POST', '/projects', { project_name: project }), 201);
      const admin = new TestClient(server.url, basic('admin', ADMIN_PASSWORD));
      pushedDigest = (await admin.pushImage('shipping/app', 'v1', Buffer.from('app layer'))).digest;
      await hook('shipping', 'push-default', '/shipping');
      await hook('shipping', 'push-cloud', '/shipping-cloud', 'CloudEvents');
      await hook('arrivals', 'pull-default', '/arrivals');
      await hook('bystander', 'nothing-here', '/bystander');
    });
    after(async () => {
      await remote?.stop();
      await server?.close();
      await receiver.close();
    });

    it('offers REPLICATION among the event types a policy may choose', async () => {
      const supported = await expectJson<Json>(await call('GET', '/projects/shipping/webhook/events'), 200);
      assert.ok((supported.event_type as string[]).includes('REPLICATION'));
    });

    it('a push run tells the source project, in the Default format and as a CloudEvent', async () => {
      const policyId = await createPolicy({
        name: 'ship-out',
        description: 'nightly copy',
        dest_registry: { id: registryId },
        dest_namespace: 'mirror',
        filters: [{ type: 'name', value: 'shipping/**' }],
        override: true,
      });
      const execution = await runToEnd(policyId);
      assert.equal(execution.status, 'Succeed', JSON.stringify(execution));

      const delivered = await receiver.waitFor('/shipping', (r) => r.body.type === 'REPLICATION');
      assert.deepEqual(Object.keys(delivered.body).sort(), ['event_data', 'occur_at', 'operator', 'type']);
      assert.equal(delivered.body.operator, 'MANUAL');
      assert.equal(typeof delivered.body.occur_at, 'number');
      const replication = (delivered.body.event_data as Json).replication as Json;
      const started = Math.floor(Date.parse(String(execution.start_time)) / 1000);
      assert.deepEqual(replication, {
        harbor_hostname: hostname(),
        job_status: 'Succeed',
        description: 'nightly copy',
        artifact_type: 'artifact',
        override_mode: true,
        trigger_type: 'MANUAL',
        policy_creator: 'admin',
        execution_timestamp: started,
        src_resource: { registry_type: 'harbor', endpoint: `http://${hostname()}:${server.config.server.port}`, namespace: 'shipping' },
        dest_resource: { registry_name: 'mirror-site', registry_type: 'docker-registry', endpoint: remote.url, namespace: 'mirror' },
        successful_artifact: [{ type: 'artifact', status: 'Succeed', name_tag: 'app:[v1]' }],
      });

      const cloud = await receiver.waitFor('/shipping-cloud', () => true);
      assert.equal(cloud.body.specversion, '1.0');
      assert.equal(cloud.body.type, 'harbor.replication.status.changed');
      assert.equal(cloud.body.datacontenttype, 'application/json');
      assert.equal(cloud.body.operator, 'MANUAL');
      assert.match(String(cloud.body.source), /^\/projects\/\d+\/webhook\/policies\/\d+$/);
      assert.deepEqual((cloud.body.data as Json).replication, replication);

      // The delivery is an ordinary webhook execution, listed with its event type.
      const policies = await expectJson<Json[]>(await call('GET', '/projects/shipping/webhook/policies'), 200);
      const policy = policies.find((p) => p.name === 'push-default')!;
      // Marked a success once the receiver's answer is back, which may be a moment after it got the request.
      await eventually(async () => {
        const executions = await expectJson<Json[]>(await call('GET', `/projects/shipping/webhook/policies/${String(policy.id)}/executions`), 200);
        return executions.some((e) => (e.extra_attrs as Json).event_type === 'REPLICATION' && e.status === 'Success') ? true : undefined;
      }, 10_000);
      assert.deepEqual(replications('/arrivals'), [], 'a push run is none of the destination-less projects’ business');
    });

    it('a pull run tells the destination project', async () => {
      const policyId = await createPolicy({
        name: 'bring-in',
        src_registry: { id: registryId },
        dest_namespace: 'arrivals',
        filters: [{ type: 'name', value: 'mirror/**' }],
      });
      const execution = await runToEnd(policyId);
      assert.equal(execution.status, 'Succeed', JSON.stringify(execution));
      const delivered = await receiver.waitFor('/arrivals', (r) => r.body.type === 'REPLICATION');
      const replication = (delivered.body.event_data as Json).replication as Json;
      assert.equal(replication.job_status, 'Succeed');
      assert.deepEqual(replication.src_resource, { registry_name: 'mirror-site', registry_type: 'docker-registry', endpoint: remote.url, namespace: 'mirror' });
      assert.deepEqual(replication.dest_resource, { registry_type: 'harbor', endpoint: `http://${hostname()}:${server.config.server.port}`, namespace: 'arrivals' });
      assert.deepEqual(replication.successful_artifact, [{ type: 'artifact', status: 'Succeed', name_tag: 'app:[v1]' }]);
      assert.equal(replication.override_mode, true);
      const pulled = await new TestClient(server.url, basic('admin', ADMIN_PASSWORD)).request('HEAD', '/v2/arrivals/app/manifests/v1');
      assert.equal(pulled.headers.get('docker-content-digest'), pushedDigest);
      // The source project's policies hear of pushes from it only.
      assert.equal(replications('/shipping').length, 1);
    });

    it('a run whose destination is down reports Failed with the failed artifacts and why', async () => {
      const policyId = await createPolicy({
        name: 'ship-nowhere',
        dest_registry: { id: downId },
        filters: [{ type: 'name', value: 'shipping/app' }],
        override: false,
      });
      const execution = await runToEnd(policyId);
      assert.equal(execution.status, 'Failed', JSON.stringify(execution));
      const failed: Received = await receiver.waitFor('/shipping', (r) => ((r.body.event_data as Json).replication as Json).job_status === 'Failed');
      const replication = (failed.body.event_data as Json).replication as Json;
      assert.equal(replication.successful_artifact, undefined);
      assert.equal(replication.override_mode, undefined, 'false is left out, as Harbor leaves it out');
      assert.deepEqual((replication.dest_resource as Json).registry_name, 'gone-site');
      assert.equal(replication.authentication_type, 'basic');
      const artifacts = replication.failed_artifact as Json[];
      assert.equal(artifacts.length, 1);
      assert.deepEqual([artifacts[0]!.type, artifacts[0]!.status, artifacts[0]!.name_tag], ['artifact', 'Failed', 'app:[v1]']);
      assert.match(String(artifacts[0]!.fail_reason), /\S/);
      assert.deepEqual(replications('/bystander'), []);
    });
  });
}
