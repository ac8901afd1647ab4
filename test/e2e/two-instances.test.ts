/**
 * Scale-out: two `berth serve` processes on one PostgreSQL database and one blob store. Pushes
 * land on either; every webhook delivery the pushes cause is made exactly once, whichever
 * instance's workers and outbox dispatcher pick it up.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { basic, TestClient } from '../../src/testing/client.js';
import { ADMIN_PASSWORD, ADMIN_USER, makeTempDir, RegistryServer, removeDir, sleep, TARGET } from './harness.js';

const PG_URL = process.env.BERTH_TEST_PG_URL;
const skip = TARGET !== 'berth' ? 'Berth-only' : PG_URL ? false : process.env.CI === 'true' ? false : 'BERTH_TEST_PG_URL is unset';

describe('two instances on one PostgreSQL', { skip, timeout: 240_000 }, () => {
  const admin = basic(ADMIN_USER, ADMIN_PASSWORD);
  const databaseName = `berth_e2e_${Date.now()}_${process.pid}`;
  let shared: string;
  let instances: RegistryServer[] = [];
  let receiver: Server;
  let receiverUrl: string;
  const deliveries: Array<{ type: string; digest: string }> = [];

  const adminClient = () => new pg.Client({ connectionString: PG_URL });

  before(async () => {
    if (!PG_URL) throw new Error('BERTH_TEST_PG_URL must be set for this suite in CI');
    const client = adminClient();
    await client.connect();
    await client.query(`CREATE DATABASE ${databaseName}`);
    await client.end();
    const databaseUrl = new URL(PG_URL);
    databaseUrl.pathname = `/${databaseName}`;
    shared = makeTempDir('shared-blobs');
    const env = {
      BERTH_DATABASE_URL: databaseUrl.toString(),
      BERTH_STORAGE_ROOT_DIRECTORY: join(shared, 'blobs'),
      BERTH_JOBS_POLL_INTERVAL_MS: '100',
      // The webhook receiver listens on loopback.
      BERTH_OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true',
      // Instances sharing a database share the key of its secrets (each has its own data directory).
      BERTH_SECRET_KEY: 'two-instances-share-this-secret-key',
    };
    // One at a time: the first creates the schema and the admin; the second finds them.
    instances = [await RegistryServer.start(env)];
    instances.push(await RegistryServer.start(env));

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
    for (const instance of instances) await instance.stop();
    receiver?.close();
    if (shared) removeDir(shared);
    const client = adminClient();
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
    await client.end();
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
