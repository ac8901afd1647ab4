/**
 * Replication policies through Harbor's API, run by the job service against a real CNCF
 * distribution: a push policy copies the selected tags of a multi-arch index (with its cosign
 * signature) under a new namespace; a pull policy brings them back into another project; the
 * executions, tasks and logs say what happened.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createUser, hashPassword } from '../auth/index.js';
import { RegistryClient } from '../platform/registry-client/index.js';
import { runPolicyToEnd } from './testing/runs.suite.js';
import { api, expectJson } from '../testing/api.js';
import { basic, OCI_INDEX, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startDistribution, type DistributionServer } from '../testing/distribution.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../testing/server.js';
import { skipUnlessTools } from '../../test/e2e/harness.js';
import { pushCosignSignature } from '../trust/testing/cosign-signature.suite.js';
import { cosignSignatureTag } from './engine/remote-endpoint.js';
import { startCountingProxy } from '../proxy-cache/testing/upstream-proxy.js';
import { ReplicationExecutionShape, ReplicationPolicyShape, ReplicationTaskShape } from './shapes.js';

type Json = Record<string, unknown>;
const GUEST = basic('replication-guest', 'Passw0rd-guest');

for (const dialect of testDialects()) {
  describe(`replication policies and executions (${dialect.name})`, { skip: skipUnlessTools('docker-registry'), timeout: 240_000 }, () => {
    let server: TestServer;
    let remote: DistributionServer;
    let client: RegistryClient;
    let registryId = 0;
    let index = '';
    const call = (method: string, path: string, body?: unknown, authorization?: string) =>
      api(server.url, method, path, { ...(body === undefined ? {} : { body }), ...(authorization ? { authorization } : {}) });
    const idFrom = (res: Response) => Number((res.headers.get('location') ?? '').split('/').pop());

    const runToEnd = (policyId: number): Promise<Json> => runPolicyToEnd(server.url, policyId);

    before(async () => {
      server = await startTestServer(dialect);
      remote = await startDistribution();
      client = new RegistryClient({ url: remote.url, allowPrivateNetworks: true });
      await createUser(server.database.db, { username: 'replication-guest', passwordHash: await hashPassword('Passw0rd-guest'), sysadmin: false, now: Date.now() });
      const created = await call('POST', '/registries', { name: 'distribution', type: 'docker-registry', url: remote.url });
      await expectJson(created, 201);
      registryId = idFrom(created);
      await expectJson(await call('POST', '/projects', { project_name: 'backup' }), 201);
      const admin = new TestClient(server.url, basic('admin', ADMIN_PASSWORD));
      const amd64 = await admin.pushImage('library/app', 'amd64', Buffer.from('amd64 layer'));
      const arm64 = await admin.pushImage('library/app', 'arm64', Buffer.from('arm64 layer'));
      const entry = (image: typeof amd64, architecture: string) => ({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: image.digest,
        size: Buffer.byteLength(JSON.stringify(image.manifest)),
        platform: { architecture, os: 'linux' },
      });
      index = (
        await admin.pushManifest(
          'library/app',
          'v1',
          { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [entry(amd64, 'amd64'), entry(arm64, 'arm64')] },
          OCI_INDEX,
        )
      ).digest;
      await admin.pushImage('library/app', 'latest', Buffer.from('latest layer'));
      await admin.pushImage('library/tools', 'v2', Buffer.from('tools layer'));
      await pushCosignSignature(admin, 'library/app', index);
    });
    after(async () => {
      client?.close();
      await remote?.stop();
      await server?.close();
    });

    it('a push policy copies the tags its filters select, with index children and signatures, under the destination namespace', async () => {
      const created = await call('POST', '/replication/policies', {
        name: 'to-mirror',
        dest_registry: { id: registryId },
        dest_namespace: 'mirror',
        filters: [
          { type: 'name', value: 'library/app' },
          { type: 'tag', value: 'v*' },
        ],
        trigger: { type: 'manual' },
        override: true,
        enabled: true,
      });
      await expectJson(created, 201);
      const policyId = idFrom(created);
      const policy = await expectJson<Json>(await call('GET', `/replication/policies/${policyId}`), 200);
      ReplicationPolicyShape.parse(policy);
      assert.deepEqual(
        [policy.name, (policy.dest_registry as Json).id, (policy.src_registry as Json).id, policy.dest_namespace],
        ['to-mirror', registryId, 0, 'mirror'],
      );

      const execution = await runToEnd(policyId);
      ReplicationExecutionShape.parse(execution);
      assert.deepEqual([execution.status, execution.trigger, execution.total, execution.succeed, execution.failed], ['Succeed', 'manual', 1, 1, 0]);
      assert.equal((await client.headManifest('mirror/app', 'v1'))?.digest, index);
      assert.ok(await client.headManifest('mirror/app', cosignSignatureTag(index)), 'the signature went with its image');
      assert.equal(await client.headManifest('mirror/app', 'latest'), undefined, 'the tag filter keeps latest home');
      assert.equal(await client.headManifest('mirror/tools', 'v2'), undefined, 'the name filter keeps tools home');

      const tasks = await expectJson<Json[]>(await call('GET', `/replication/executions/${String(execution.id)}/tasks`), 200);
      for (const task of tasks) ReplicationTaskShape.parse(task);
      assert.deepEqual(
        tasks.map((t) => [t.src_resource, t.dst_resource, t.status, t.operation]),
        [['library/app:[v1]', 'mirror/app:[v1]', 'Succeed', 'copy']],
      );
      const log = await call('GET', `/replication/executions/${String(execution.id)}/tasks/${String(tasks[0]!.id)}/log`);
      assert.equal(log.status, 200);
      assert.match(await log.text(), /copied local library\/app:\[v1\] to http:\/\/127\.0\.0\.1:\d+ mirror\/app:\[v1\]: 4 manifest\(s\)/);
      const listed = await expectJson<Json[]>(await call('GET', `/replication/executions?policy_id=${policyId}`), 200);
      assert.equal(listed.length, 1);

      // A second run finds everything in place.
      const again = await runToEnd(policyId);
      assert.equal(again.status, 'Succeed');
      const second = await expectJson<Json[]>(await call('GET', `/replication/executions/${String(again.id)}/tasks`), 200);
      const secondLog = await (await call('GET', `/replication/executions/${String(again.id)}/tasks/${String(second[0]!.id)}/log`)).text();
      assert.match(secondLog, /0 blob\(s\) sent \(0 bytes\)/);
    });

    it('a pull policy brings them back into another project, byte for byte', async () => {
      const created = await call('POST', '/replication/policies', {
        name: 'from-mirror',
        src_registry: { id: registryId },
        dest_namespace: 'backup',
        filters: [{ type: 'name', value: 'mirror/**' }],
        trigger: { type: 'manual' },
      });
      await expectJson(created, 201);
      const execution = await runToEnd(idFrom(created));
      assert.equal(execution.status, 'Succeed', JSON.stringify(execution));
      const admin = new TestClient(server.url, basic('admin', ADMIN_PASSWORD));
      const back = await admin.request('GET', '/v2/backup/app/manifests/v1', { headers: { accept: OCI_INDEX } });
      assert.equal(back.status, 200);
      assert.equal(back.headers.get('docker-content-digest'), index);
      const accessories = await expectJson<Json[]>(await call('GET', `/projects/backup/repositories/app/artifacts/${index}/accessories`), 200);
      assert.deepEqual(
        accessories.map((a) => a.type),
        ['signature.cosign'],
      );
    });

    it('a pull policy naming one repository reads its tags without walking the catalog (Docker Hub and GHCR serve none)', async () => {
      const counting = await startCountingProxy(remote.url);
      try {
        const endpoint = await call('POST', '/registries', { name: 'counted', type: 'docker-registry', url: counting.url });
        await expectJson(endpoint, 201);
        const created = await call('POST', '/replication/policies', {
          name: 'one-repository',
          src_registry: { id: idFrom(endpoint) },
          dest_namespace: 'backup',
          dest_namespace_replace_count: 1,
          filters: [
            { type: 'name', value: 'mirror/app' },
            { type: 'tag', value: 'v1' },
          ],
          trigger: { type: 'manual' },
        });
        await expectJson(created, 201);
        const execution = await runToEnd(idFrom(created));
        assert.equal(execution.status, 'Succeed', JSON.stringify(execution));
        assert.equal(execution.total, 1);
        assert.equal(counting.count('GET', '/v2/_catalog'), 0);
        assert.ok(counting.count('GET', '/v2/mirror/app/tags/list') >= 1);
      } finally {
        await counting.close();
      }
    });

    it('an event-based policy replicates a push within seconds, and with replicate_deletion a delete too', async () => {
      const created = await call('POST', '/replication/policies', {
        name: 'on-push',
        dest_registry: { id: registryId },
        dest_namespace: 'events',
        filters: [{ type: 'name', value: 'library/live' }],
        trigger: { type: 'event_based' },
        replicate_deletion: true,
      });
      await expectJson(created, 201);
      const admin = new TestClient(server.url, basic('admin', ADMIN_PASSWORD));
      const pushed = await admin.pushImage('library/live', 'v1', Buffer.from('live layer'));
      // The tag is put after the manifest it names: polled by tag, the copy is whole once it answers.
      const arrived = async (reference: string, present: boolean) => {
        for (let i = 0; i < 300; i++) {
          if (((await client.headManifest('events/live', reference)) !== undefined) === present) return;
          await sleep(100);
        }
        assert.fail(`events/live:${reference} ${present ? 'never arrived' : 'was never deleted'}`);
      };
      await arrived('v1', true);
      assert.equal((await client.headManifest('events/live', 'v1'))?.digest, pushed.digest);
      const executions = await expectJson<Json[]>(await call('GET', `/replication/executions?policy_id=${idFrom(created)}&trigger=event_based`), 200);
      assert.ok(executions.length >= 1);
      assert.equal((await admin.request('DELETE', `/v2/library/live/manifests/${pushed.digest}`)).status, 202);
      await arrived(pushed.digest, false);
    });

    it('refuses bad policies with Harbor-style 4xx errors, and keeps everything to system administrators', async () => {
      const bad = async (body: Json, status: number, pattern: RegExp) => {
        const res = await expectJson<{ errors: Array<{ message: string }> }>(await call('POST', '/replication/policies', body), status);
        assert.match(res.errors[0]?.message ?? '', pattern);
      };
      await bad({ name: 'both', src_registry: { id: registryId }, dest_registry: { id: registryId } }, 400, /either src_registry .* or dest_registry/);
      await bad({ name: 'neither' }, 400, /either src_registry/);
      await bad({ name: 'ghost', dest_registry: { id: 9999 } }, 400, /registry 9999 not found/);
      await bad({ name: 'cronless', dest_registry: { id: registryId }, trigger: { type: 'scheduled' } }, 400, /needs trigger_settings.cron/);
      await bad(
        { name: 'busy', dest_registry: { id: registryId }, trigger: { type: 'scheduled', trigger_settings: { cron: '* * * * * *' } } },
        400,
        /more often than once a minute/,
      );
      await bad({ name: 'pattern', dest_registry: { id: registryId }, filters: [{ type: 'name', value: 'a'.repeat(300) }] }, 400, /filters/);
      await bad({ name: 'to-mirror', dest_registry: { id: registryId } }, 409, /already exists/);
      assert.equal((await call('GET', '/replication/policies', undefined, GUEST)).status, 403);
      assert.equal((await call('POST', '/replication/executions', { policy_id: 1 }, GUEST)).status, 403);
      assert.equal((await api(server.url, 'GET', '/replication/executions', { authorization: '' })).status, 401);
      assert.equal((await call('GET', '/replication/executions/999999')).status, 404);
      assert.equal((await call('GET', '/replication/executions?status=Sideways')).status, 400);

      const scheduled = await call('POST', '/replication/policies', {
        name: 'nightly',
        dest_registry: { id: registryId },
        trigger: { type: 'scheduled', trigger_settings: { cron: '0 0 2 * * *' } },
      });
      await expectJson(scheduled, 201);
      const id = idFrom(scheduled);
      const schedule = await server.database.db
        .selectFrom('schedules')
        .selectAll()
        .where('vendor_type', '=', 'REPLICATION')
        .where('vendor_id', '=', id)
        .executeTakeFirst();
      assert.equal(schedule?.cron, '0 0 2 * * *');
      const inUse = await expectJson<{ errors: Array<{ message: string }> }>(await call('DELETE', `/registries/${registryId}`), 412);
      assert.match(inUse.errors[0]?.message ?? '', /used by a proxy cache project or a replication policy/);
      assert.equal((await call('DELETE', `/replication/policies/${id}`)).status, 200);
      assert.equal((await call('GET', `/replication/policies/${id}`)).status, 404);
      const gone = await server.database.db
        .selectFrom('schedules')
        .select('id')
        .where('vendor_type', '=', 'REPLICATION')
        .where('vendor_id', '=', id)
        .executeTakeFirst();
      assert.equal(gone, undefined, 'the schedule goes with its policy');
    });
  });
}
