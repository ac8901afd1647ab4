import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../app.js';
import { createUser, hashPassword } from '../auth/index.js';
import { api, expectJson } from '../testing/api.js';
import { basic, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { assertMatchesHarbor } from '../testing/harbor-schema.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { systemClock } from '../platform/clock.js';
import { eventually } from '../testing/wait.js';
import { Receiver } from '../testing/receiver.js';
import { insertPolicy } from './repo.js';
import { webhookPolicyBody } from './schema.js';

type Json = Record<string, unknown>;

async function createPolicy(url: string, project: string, body: Json): Promise<number> {
  const res = await api(url, 'POST', `/projects/${project}/webhook/policies`, { body });
  await expectJson(res, 201);
  const location = res.headers.get('location') ?? '';
  assert.match(location, new RegExp(`/api/v2.0/projects/${project}/webhook/policies/\\d+$`));
  return Number(location.split('/').pop());
}

/** Harbor's swagger types ExtraAttrs values as objects, while Harbor itself sends strings (event_type, payload). */
function withoutExtraAttrs(value: Json): Json {
  const { extra_attrs: _ignored, ...rest } = value;
  return rest;
}

for (const dialect of testDialects()) {
  describe(`webhooks (${dialect.name})`, () => {
    let server: TestServer;
    const receiver = new Receiver();

    before(async () => {
      await receiver.start();
      // The receiver listens on loopback, which webhooks reach only when allowed.
      server = await startTestServer(dialect, { jobs: { pollIntervalMs: 50 }, outbound: { allowPrivateNetworks: true } });
      await expectJson(await api(server.url, 'POST', '/projects', { body: { project_name: 'hooks', public: false } }), 201);
    });
    after(async () => {
      await server.close();
      await receiver.close();
    });

    it('creates, reads, lists, updates and deletes policies in Harbor shapes', async () => {
      const id = await createPolicy(server.url, 'hooks', {
        name: 'crud',
        description: 'first',
        targets: [{ type: 'http', address: `${receiver.url}/crud`, skip_cert_verify: true }],
        event_types: ['PUSH_ARTIFACT'],
        enabled: false,
      });
      const policy = await expectJson<Json>(await api(server.url, 'GET', `/projects/hooks/webhook/policies/${id}`), 200);
      assertMatchesHarbor('WebhookPolicy', policy);
      assert.equal(policy.name, 'crud');
      assert.equal(policy.enabled, false);
      assert.equal(policy.creator, 'admin');
      assert.deepEqual(policy.targets, [{ type: 'http', address: `${receiver.url}/crud`, auth_header: '', skip_cert_verify: true, payload_format: 'Default' }]);

      await expectJson(
        await api(server.url, 'POST', '/projects/hooks/webhook/policies', {
          body: { name: 'crud', targets: [{ address: `${receiver.url}/x` }], event_types: ['PUSH_ARTIFACT'] },
        }),
        409,
      );
      await expectJson(
        await api(server.url, 'POST', '/projects/hooks/webhook/policies', {
          body: { name: 'bad', targets: [{ address: 'ftp://nope' }], event_types: ['PUSH_ARTIFACT'] },
        }),
        400,
      );
      await expectJson(
        await api(server.url, 'POST', '/projects/hooks/webhook/policies', {
          body: { name: 'bad', targets: [{ address: `${receiver.url}/x` }], event_types: ['NO_SUCH_EVENT'] },
        }),
        400,
      );

      await expectJson(
        await api(server.url, 'PUT', `/projects/hooks/webhook/policies/${id}`, {
          body: { name: 'crud', description: 'second', targets: [{ address: `${receiver.url}/crud` }], event_types: ['DELETE_ARTIFACT'], enabled: true },
        }),
        200,
      );
      const list = await api(server.url, 'GET', '/projects/hooks/webhook/policies');
      const policies = await expectJson<Json[]>(list, 200);
      assertMatchesHarbor('WebhookPolicy', policies, { array: true });
      const updated = policies.find((p) => p.id === id);
      assert.equal(updated?.description, 'second');
      assert.deepEqual(updated?.event_types, ['DELETE_ARTIFACT']);
      assert.equal(list.headers.get('x-total-count'), String(policies.length));

      await expectJson(await api(server.url, 'DELETE', `/projects/hooks/webhook/policies/${id}`), 200);
      await expectJson(await api(server.url, 'GET', `/projects/hooks/webhook/policies/${id}`), 404);
    });

    it('tests targets on demand: 200 when they take a message, 400 naming the one that does not', async () => {
      const ok = await api(server.url, 'POST', '/projects/hooks/webhook/policies/test', {
        body: { targets: [{ type: 'http', address: `${receiver.url}/ping`, auth_header: 'Bearer test-secret' }] },
      });
      await expectJson(ok, 200);
      const ping = await receiver.waitFor('/ping', () => true);
      assert.equal(ping.body.type, 'TEST');
      assert.equal(ping.headers.authorization, 'Bearer test-secret');

      receiver.failFirst('/refusing', 1);
      const refused = await api(server.url, 'POST', '/projects/hooks/webhook/policies/test', {
        body: { targets: [{ type: 'http', address: `${receiver.url}/refusing` }] },
      });
      assert.equal(refused.status, 400);
      assert.match(await refused.text(), /answered 500/);

      const unreachable = await api(server.url, 'POST', '/projects/hooks/webhook/policies/test', {
        body: { targets: [{ type: 'http', address: 'http://127.0.0.1:1/none' }] },
      });
      assert.equal(unreachable.status, 400);
      assert.match(await unreachable.text(), /could not be reached/);
    });

    it('lists the supported event types and notify types', async () => {
      const supported = await expectJson<Json>(await api(server.url, 'GET', '/projects/hooks/webhook/events'), 200);
      assertMatchesHarbor('SupportedWebhookEventTypes', supported);
      assert.ok((supported.event_type as string[]).includes('PULL_ARTIFACT'));
      assert.deepEqual(supported.notify_type, ['http', 'slack']);
    });

    it('delivers push, pull and delete events with Harbor payloads and the auth header', async () => {
      const id = await createPolicy(server.url, 'hooks', {
        name: 'artifacts',
        targets: [{ type: 'http', address: `${receiver.url}/artifacts`, auth_header: 'Bearer s3cret', payload_format: 'Default' }],
        event_types: ['PUSH_ARTIFACT', 'PULL_ARTIFACT', 'DELETE_ARTIFACT'],
      });
      const client = new TestClient(server.url);
      const { digest } = await client.pushImage('hooks/app', '1.0');

      const pushed = await receiver.waitFor('/artifacts', (r) => r.body.type === 'PUSH_ARTIFACT');
      assert.equal(pushed.headers.authorization, 'Bearer s3cret');
      assert.match(String(pushed.headers['content-type']), /^application\/json/);
      assert.equal(pushed.body.operator, 'admin');
      assert.equal(typeof pushed.body.occur_at, 'number');
      assert.ok(Math.abs((pushed.body.occur_at as number) - Date.now() / 1000) < 60, 'occur_at is in unix seconds');
      const data = pushed.body.event_data as { resources: Json[]; repository: Json };
      assert.equal(data.resources.length, 1);
      assert.equal(data.resources[0]?.digest, digest);
      assert.equal(data.resources[0]?.tag, '1.0');
      assert.match(String(data.resources[0]?.resource_url), /\/hooks\/app:1\.0$/);
      assert.equal(data.repository.name, 'app');
      assert.equal(data.repository.namespace, 'hooks');
      assert.equal(data.repository.repo_full_name, 'hooks/app');
      assert.equal(data.repository.repo_type, 'private');
      assert.equal(typeof data.repository.date_created, 'number');

      const pull = await client.request('GET', '/v2/hooks/app/manifests/1.0', { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
      assert.equal(pull.status, 200);
      await pull.arrayBuffer();
      // Pulls are recorded in batches every few seconds.
      const pulled = await receiver.waitFor('/artifacts', (r) => r.body.type === 'PULL_ARTIFACT');
      const pulledData = pulled.body.event_data as { resources: Json[] };
      assert.equal(pulledData.resources[0]?.digest, digest);
      assert.equal(pulledData.resources[0]?.tag, '1.0');

      const deleted = await client.request('DELETE', `/v2/hooks/app/manifests/${digest}`);
      assert.equal(deleted.status, 202);
      const gone = await receiver.waitFor('/artifacts', (r) => r.body.type === 'DELETE_ARTIFACT');
      assert.equal((gone.body.event_data as { resources: Json[] }).resources[0]?.digest, digest);

      // The delivery history: one execution per delivered event, each with a task and its log.
      const executions = await eventually(async () => {
        const list = await expectJson<Json[]>(await api(server.url, 'GET', `/projects/hooks/webhook/policies/${id}/executions`), 200);
        return list.length === 3 && list.every((e) => e.status === 'Success') ? list : undefined;
      });
      assertMatchesHarbor('Execution', executions.map(withoutExtraAttrs), { array: true });
      assert.deepEqual(executions.map((e) => (e.extra_attrs as Json).event_type).sort(), ['DELETE_ARTIFACT', 'PULL_ARTIFACT', 'PUSH_ARTIFACT']);
      assert.ok(executions.every((e) => e.vendor_type === 'WEBHOOK' && e.vendor_id === id && e.trigger === 'EVENT'));
      const tasks = await expectJson<Json[]>(await api(server.url, 'GET', `/projects/hooks/webhook/policies/${id}/executions/${executions[0]?.id}/tasks`), 200);
      assertMatchesHarbor('Task', tasks.map(withoutExtraAttrs), { array: true });
      assert.equal(tasks.length, 1);
      assert.equal(tasks[0]?.status, 'Success');
      const log = await api(server.url, 'GET', `/projects/hooks/webhook/policies/${id}/executions/${executions[0]?.id}/tasks/${tasks[0]?.id}/log`);
      assert.equal(log.status, 200);
      assert.match(log.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await log.text();
      assert.match(text, new RegExp(`POST ${receiver.url}/artifacts`));
      assert.match(text, /response status 200/);

      const triggers = await expectJson<Json[]>(await api(server.url, 'GET', '/projects/hooks/webhook/lasttrigger'), 200);
      assertMatchesHarbor('WebhookLastTrigger', triggers, { array: true });
      const push = triggers.find((t) => t.policy_name === 'artifacts' && t.event_type === 'PUSH_ARTIFACT');
      assert.ok(push?.last_trigger_time, 'the push was triggered');
      await expectJson(await api(server.url, 'DELETE', `/projects/hooks/webhook/policies/${id}`), 200);
    });

    it('sends nothing while notification_enable is off, and delivers again once it is on', async () => {
      await createPolicy(server.url, 'hooks', { name: 'switch', targets: [{ address: `${receiver.url}/switch` }], event_types: ['PUSH_ARTIFACT'] });
      await expectJson(await api(server.url, 'PUT', '/configurations', { body: { notification_enable: false } }), 200);
      const info = await expectJson<{ notification_enable: boolean }>(await api(server.url, 'GET', '/systeminfo'), 200);
      assert.equal(info.notification_enable, false);
      const client = new TestClient(server.url);
      await client.pushImage('hooks/switch', 'off');
      // Switched back on only once the outbox has handed that push on, while still off.
      await eventually(async () => {
        const pending = await server.database.db.selectFrom('events').select('id').where('tag', '=', 'off').where('dispatched', '=', 0).execute();
        return pending.length === 0 ? true : undefined;
      });
      await expectJson(await api(server.url, 'PUT', '/configurations', { body: { notification_enable: true } }), 200);
      await client.pushImage('hooks/switch', 'on');
      const delivered = await receiver.waitFor('/switch', (r) => JSON.stringify(r.body).includes('"tag":"on"'));
      assert.ok(delivered);
      // The push made while off was never queued, so it never arrives, before or after.
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(receiver.received.filter((r) => r.path === '/switch' && JSON.stringify(r.body).includes('"tag":"off"')).length, 0);
    });

    it('retries a failing receiver and shows the attempts in the history', async () => {
      receiver.failFirst('/flaky', 2);
      const id = await createPolicy(server.url, 'hooks', {
        name: 'flaky',
        targets: [{ type: 'http', address: `${receiver.url}/flaky` }],
        event_types: ['PUSH_ARTIFACT'],
      });
      await new TestClient(server.url).pushImage('hooks/flaky', 'v1');
      const delivered = await receiver.waitFor('/flaky', (r) => r.body.type === 'PUSH_ARTIFACT');
      assert.equal((delivered.body.event_data as { repository: Json }).repository.repo_full_name, 'hooks/flaky');

      const executions = await eventually(async () => {
        const list = await expectJson<Json[]>(await api(server.url, 'GET', `/projects/hooks/webhook/policies/${id}/executions`), 200);
        return list.length === 1 && list[0]?.status === 'Success' ? list : undefined;
      });
      const tasks = await expectJson<Json[]>(await api(server.url, 'GET', `/projects/hooks/webhook/policies/${id}/executions/${executions[0]?.id}/tasks`), 200);
      assert.equal(tasks[0]?.run_count, 3);
      const log = await (await api(server.url, 'GET', `/projects/hooks/webhook/policies/${id}/executions/${executions[0]?.id}/tasks/${tasks[0]?.id}/log`)).text();
      assert.equal(log.match(/response status 500/g)?.length, 2);
      assert.equal(log.match(/response status 200/g)?.length, 1);
      await expectJson(await api(server.url, 'DELETE', `/projects/hooks/webhook/policies/${id}`), 200);
    });

    it('sends Slack messages and CloudEvents', async () => {
      const id = await createPolicy(server.url, 'hooks', {
        name: 'formats',
        targets: [
          { type: 'slack', address: `${receiver.url}/slack` },
          { type: 'http', address: `${receiver.url}/cloud`, payload_format: 'CloudEvents' },
        ],
        event_types: ['PUSH_ARTIFACT'],
      });
      const { digest } = await new TestClient(server.url).pushImage('hooks/formats', 'latest');
      const slack = await receiver.waitFor('/slack', () => true);
      assert.deepEqual(Object.keys(slack.body), ['text']);
      assert.match(String(slack.body.text), /PUSH_ARTIFACT/);
      assert.match(String(slack.body.text), /hooks\/formats/);
      const cloud = await receiver.waitFor('/cloud', () => true);
      assert.equal(cloud.body.specversion, '1.0');
      assert.equal(cloud.body.type, 'harbor.artifact.pushed');
      assert.equal(cloud.body.datacontenttype, 'application/json');
      assert.equal(cloud.body.source, `/projects/${await projectId(server, 'hooks')}/webhook/policies/${id}`);
      assert.equal(typeof cloud.body.id, 'string');
      assert.ok(!Number.isNaN(Date.parse(String(cloud.body.time))));
      assert.equal((cloud.body.data as { resources: Json[] }).resources[0]?.digest, digest);
      await expectJson(await api(server.url, 'DELETE', `/projects/hooks/webhook/policies/${id}`), 200);
    });

    it('warns when a push brings usage past 85% of the quota, and tells of a refused push', async () => {
      await expectJson(await api(server.url, 'POST', '/projects', { body: { project_name: 'quota-hooks', storage_limit: 4000 } }), 201);
      await createPolicy(server.url, 'quota-hooks', {
        name: 'quota',
        targets: [{ address: `${receiver.url}/quota` }],
        event_types: ['QUOTA_WARNING', 'QUOTA_EXCEED'],
      });
      const client = new TestClient(server.url);
      // About 3.5 kB of 4 kB: past the warning threshold, within the limit.
      const { digest } = await client.pushImage('quota-hooks/app', 'big', Buffer.alloc(3000, 1));
      const warned = await receiver.waitFor('/quota', (r) => r.body.type === 'QUOTA_WARNING');
      const warning = warned.body.event_data as { resources: Json[]; repository: Json; custom_attributes: Json };
      assert.equal(warning.resources[0]?.digest, digest);
      assert.equal(warning.repository.repo_full_name, 'quota-hooks/app');
      assert.match(String(warning.custom_attributes.Details), /quota usage reach 85%/);

      // Refused at its layer already: bytes waiting for a manifest count against the limit.
      await assert.rejects(client.pushImage('quota-hooks/app', 'bigger', Buffer.alloc(3000, 2)), /push blob: 403/);
      const exceeded = await receiver.waitFor('/quota', (r) => r.body.type === 'QUOTA_EXCEED');
      assert.equal((exceeded.body.event_data as { repository: Json }).repository.repo_full_name, 'quota-hooks/app');
      assert.equal(receiver.received.filter((r) => r.path === '/quota' && r.body.type === 'QUOTA_WARNING').length, 1, 'warned once per crossing');
    });

    it("keeps a receiver's answer out of the task log and the delivery history", async () => {
      const secret = 'receiver-answer-5e1f9c';
      receiver.answer = secret;
      try {
        const id = await createPolicy(server.url, 'hooks', { name: 'answers', targets: [{ address: `${receiver.url}/answers` }], event_types: ['PUSH_ARTIFACT'] });
        await new TestClient(server.url).pushImage('hooks/answers', 'v1');
        await receiver.waitFor('/answers', (r) => r.body.type === 'PUSH_ARTIFACT');
        const executions = await eventually(async () => {
          const res = await api(server.url, 'GET', `/projects/hooks/webhook/policies/${id}/executions`);
          const list = await expectJson<Json[]>(res, 200);
          return list.length === 1 && list[0]?.status === 'Success' ? list : undefined;
        });
        const base = `/projects/hooks/webhook/policies/${id}/executions/${executions[0]?.id}`;
        const tasks = await expectJson<Json[]>(await api(server.url, 'GET', `${base}/tasks`), 200);
        const log = await (await api(server.url, 'GET', `${base}/tasks/${tasks[0]?.id}/log`)).text();
        assert.match(log, /response status 200/);
        for (const shown of [log, JSON.stringify(executions), JSON.stringify(tasks)]) assert.ok(!shown.includes(secret), `the answer shows in ${shown}`);
        await expectJson(await api(server.url, 'DELETE', `/projects/hooks/webhook/policies/${id}`), 200);
      } finally {
        receiver.answer = 'ok';
      }
    });

    it('does not let a guest manage policies', async () => {
      await createUser(server.database.db, { username: 'hook-guest', passwordHash: await hashPassword('Passw0rd-guest'), sysadmin: false, now: Date.now() });
      await expectJson(await api(server.url, 'POST', '/projects/hooks/members', { body: { role_id: 3, member_user: { username: 'hook-guest' } } }), 201);
      const guest = basic('hook-guest', 'Passw0rd-guest');
      const body = { name: 'sneaky', targets: [{ address: `${receiver.url}/sneaky` }], event_types: ['PUSH_ARTIFACT'] };
      await expectJson(await api(server.url, 'POST', '/projects/hooks/webhook/policies', { authorization: guest, body }), 403);
      await expectJson(await api(server.url, 'GET', '/projects/hooks/webhook/policies', { authorization: guest }), 403);
      await expectJson(await api(server.url, 'GET', '/projects/hooks/webhook/policies', { authorization: null }), 401);
    });
  });

  describe(`webhook targets on private networks, not allowed (${dialect.name})`, () => {
    let server: TestServer;
    const receiver = new Receiver();
    const denied = /loopback, link-local or private address.*outbound\.allowPrivateNetworks/;

    before(async () => {
      await receiver.start();
      server = await startTestServer(dialect, { jobs: { pollIntervalMs: 50 } });
      await expectJson(await api(server.url, 'POST', '/projects', { body: { project_name: 'inside' } }), 201);
    });
    after(async () => {
      await server.close();
      await receiver.close();
    });

    it('refuses at create and update a policy targeting a loopback, private or link-local address', async () => {
      const port = new URL(receiver.url).port;
      const addresses = [
        `http://127.0.0.1:${port}/hook`,
        'http://10.0.0.5/hook',
        'http://169.254.169.254/latest/meta-data/',
        `http://[::1]:${port}/hook`,
        `http://[::ffff:127.0.0.1]:${port}/hook`,
        `http://localhost:${port}/hook`,
        `http://2130706433:${port}/hook`,
        'https://192.168.1.10/hook',
      ];
      for (const address of addresses) {
        const res = await api(server.url, 'POST', '/projects/inside/webhook/policies', {
          body: { name: 'inside', targets: [{ address }], event_types: ['PUSH_ARTIFACT'] },
        });
        const body = await expectJson<{ errors: Array<{ code: string; message: string }> }>(res, 400);
        assert.equal(body.errors[0]?.code, 'BAD_REQUEST');
        assert.match(body.errors[0]?.message ?? '', denied, address);
      }
      const id = await createPolicy(server.url, 'inside', {
        name: 'outside',
        targets: [{ address: 'https://hooks.example.com/berth' }],
        event_types: ['PUSH_ARTIFACT'],
      });
      const moved = await api(server.url, 'PUT', `/projects/inside/webhook/policies/${id}`, {
        body: { name: 'outside', targets: [{ address: 'http://169.254.169.254/' }], event_types: ['PUSH_ARTIFACT'] },
      });
      assert.match((await expectJson<{ errors: Array<{ message: string }> }>(moved, 400)).errors[0]?.message ?? '', denied);
      const kept = await expectJson<Json>(await api(server.url, 'GET', `/projects/inside/webhook/policies/${id}`), 200);
      assert.equal((kept.targets as Json[])[0]?.address, 'https://hooks.example.com/berth');
      await expectJson(await api(server.url, 'DELETE', `/projects/inside/webhook/policies/${id}`), 200);
      assert.equal(receiver.received.length, 0);
    });

    it('tests no private target, so the test endpoint tells an open port from a closed one by nothing', async () => {
      const answers: string[] = [];
      for (const address of [`${receiver.url}/open`, 'http://127.0.0.1:1/closed']) {
        const res = await api(server.url, 'POST', '/projects/inside/webhook/policies/test', { body: { targets: [{ address }] } });
        const body = await expectJson<{ errors: Array<{ message: string }> }>(res, 400);
        assert.match(body.errors[0]?.message ?? '', denied);
        answers.push((body.errors[0]?.message ?? '').replace(address, '<target>'));
      }
      assert.equal(answers[0], answers[1]);
      assert.equal(receiver.received.length, 0);
    });

    it('refuses at delivery a stored policy whose target name resolves to loopback, and the receiver gets nothing', async () => {
      // A policy kept from when the key was on: the name is only resolved when a delivery connects.
      const project = await projectId(server, 'inside');
      const body = webhookPolicyBody.parse({
        name: 'stored',
        targets: [{ address: `http://localhost:${new URL(receiver.url).port}/stored` }],
        event_types: ['PUSH_ARTIFACT'],
      });
      const id = await insertPolicy(server.database.db, project, body, 'admin', Date.now());
      await new TestClient(server.url).pushImage('inside/app', 'v1');
      const log = await eventually(async () => {
        const executions = await expectJson<Json[]>(await api(server.url, 'GET', `/projects/inside/webhook/policies/${id}/executions`), 200);
        if (executions.length !== 1) return undefined;
        const base = `/projects/inside/webhook/policies/${id}/executions/${executions[0]?.id}`;
        const tasks = await expectJson<Json[]>(await api(server.url, 'GET', `${base}/tasks`), 200);
        const text = await (await api(server.url, 'GET', `${base}/tasks/${tasks[0]?.id}/log`)).text();
        return tasks[0]?.status === 'Error' ? text : undefined;
      });
      // Retrying cannot make a forbidden target allowed: one attempt, then the delivery fails for good.
      assert.equal(log.match(/attempt \d+ of \d+ failed/g)?.length, 1, log);
      assert.match(log, /not retried/);
      assert.match(log, /not delivered: localhost resolves to a loopback, link-local or private address/);
      assert.match(log, /outbound\.allowPrivateNetworks/);
      assert.doesNotMatch(log, /ECONNREFUSED|response status/);
      assert.equal(receiver.received.length, 0);
    });
  });

  describe(`webhook deliveries across a restart (${dialect.name})`, () => {
    const receiver = new Receiver();
    let server: TestServer;

    before(async () => receiver.start());
    after(async () => {
      await server.close();
      await receiver.close();
    });

    it('delivers, after a restart, an event queued while no worker ran', async () => {
      // This instance serves requests and dispatches the outbox, but runs no tasks.
      server = await startTestServer(dialect, { jobs: { pollIntervalMs: 50, workers: 0 }, outbound: { allowPrivateNetworks: true } });
      await expectJson(await api(server.url, 'POST', '/projects', { body: { project_name: 'durable' } }), 201);
      const id = await createPolicy(server.url, 'durable', { name: 'durable', targets: [{ address: `${receiver.url}/durable` }], event_types: ['PUSH_ARTIFACT'] });
      await new TestClient(server.url).pushImage('durable/app', 'v1');
      await eventually(async () => {
        const list = await expectJson<Json[]>(await api(server.url, 'GET', `/projects/durable/webhook/policies/${id}/executions`), 200);
        return list.length === 1 ? list : undefined;
      });
      await server.app.close();
      assert.equal(receiver.received.length, 0);

      const restarted = await buildApp({
        config: { ...server.config, jobs: { ...server.config.jobs, workers: 2 } },
        db: server.database,
        storage: server.storage,
        clock: systemClock,
      });
      await restarted.listen({ host: '127.0.0.1', port: 0 });
      try {
        const delivered = await receiver.waitFor('/durable', (r) => r.body.type === 'PUSH_ARTIFACT');
        assert.equal((delivered.body.event_data as { repository: Json }).repository.repo_full_name, 'durable/app');
        assert.equal(receiver.received.length, 1);
      } finally {
        await restarted.close();
      }
    });
  });
}

async function projectId(server: TestServer, name: string): Promise<number> {
  const project = await expectJson<{ project_id: number }>(await api(server.url, 'GET', `/projects/${name}`), 200);
  return project.project_id;
}
