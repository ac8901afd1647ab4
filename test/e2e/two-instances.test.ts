/**
 * Scale-out: two `berth serve` processes on one PostgreSQL database and one blob store. Pushes
 * land on either; every webhook delivery the pushes cause is made exactly once, whichever
 * instance's workers and outbox dispatcher pick it up.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { basic, TestClient } from '../../src/testing/client.js';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer, sleep } from './harness.js';
import { scaleOutSkip, startScaleOut, type ScaleOut } from './scale-out.js';

const skip = scaleOutSkip();

describe('two instances on one PostgreSQL', { skip, timeout: 240_000 }, () => {
  const admin = basic(ADMIN_USER, ADMIN_PASSWORD);
  let scale: ScaleOut | undefined;
  let instances: RegistryServer[] = [];
  let receiver: Server;
  let receiverUrl: string;
  const deliveries: Array<{ type: string; digest: string }> = [];

  before(async () => {
    scale = await startScaleOut({
      name: 'instances',
      storage: 'filesystem',
      env: {
        BERTH_JOBS_POLL_INTERVAL_MS: '100',
        // The webhook receiver listens on loopback.
        BERTH_OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true',
      },
    });
    instances = scale.instances;

    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type: string; event_data: { resources: Array<{ digest: string }> } };
        deliveries.push({ type: body.type, digest: body.event_data.resources[0]?.digest ?? '' });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });

  after(async () => {
    receiver?.close();
    await scale?.stop();
  });

  const call = async (base: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}/api/v2.0${path}`, {
      method,
      headers: { authorization: admin, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res;
  };

  it('delivers each push event exactly once, whichever instance took the push', async () => {
    const [a, b] = instances as [RegistryServer, RegistryServer];
    await call(a.url, 'POST', '/projects', { project_name: 'scaled', metadata: { public: 'false' } });
    await call(b.url, 'POST', '/projects/scaled/webhook/policies', {
      name: 'every-push',
      enabled: true,
      event_types: ['PUSH_ARTIFACT'],
      targets: [{ type: 'http', address: receiverUrl }],
    });

    const pushes = 40;
    const clients = [new TestClient(a.url, admin), new TestClient(b.url, admin)];
    const digests = await Promise.all(
      Array.from({ length: pushes }, async (_, i) => (await clients[i % 2]!.pushImage(`scaled/app${i % 4}`, `v${i}`, Buffer.from(`layer ${i}`))).digest),
    );

    const deadline = Date.now() + 90_000;
    while (deliveries.length < pushes && Date.now() < deadline) await sleep(100);
    // Long enough for a second, duplicate delivery to arrive if any instance were to make one.
    await sleep(2000);
    assert.equal(deliveries.length, pushes, `expected ${pushes} deliveries, got ${deliveries.length}`);
    assert.ok(deliveries.every((d) => d.type === 'PUSH_ARTIFACT'));
    assert.deepEqual(deliveries.map((d) => d.digest).sort(), [...digests].sort());

    // Both instances ran workers: each heartbeats its own pool.
    const pools = (await (await call(a.url, 'GET', '/jobservice/pools')).json()) as Array<{ worker_pool_id: string }>;
    assert.equal(pools.length, 2);
  });
});
