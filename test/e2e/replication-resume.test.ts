/**
 * Replications that survive the network and Berth itself. A 256 MiB layer is replicated through a
 * TCP proxy that cuts the connection part way, and the replicating Berth is killed (SIGKILL) later
 * in the same transfer and started again. Each execution still ends in success, the destination
 * holds the very bytes, and the bytes that crossed the proxy show that neither interruption sent
 * the layer again from its start:
 * - push, Berth → Berth: the upload goes on from the offset the remote session holds;
 * - pull, CNCF distribution → Berth: the download goes on by range, into the upload session kept
 *   here. (Distribution as a push destination cancels an upload session whose chunk was cut, by
 *   design, so a push to it begins that blob again: tested in the registry client's own tests.)
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test, type TestContext } from 'node:test';
import { RegistryClient, type RegistryConnection } from '../../src/platform/registry-client/index.js';
import { startDistribution } from '../../src/testing/distribution.js';
import { faultProxy, type FaultProxy } from '../../src/testing/fault-proxy.js';
import { generatedBlob, sha256Of, sha256OfStream } from '../../src/testing/registry-content.js';
import { ADMIN_PASSWORD, ADMIN_USER, BERTH_ONLY, RegistryServer, skipUnlessTools, sleep } from './harness.js';

const MiB = 1024 * 1024;
const LAYER_BYTES = 256 * MiB;
/** The replication's chunks (the registry client's default). */
const CHUNK_BYTES = 8 * MiB;
/** The cut comes in the middle of a chunk, the kill well after it. */
const CUT_AFTER = 64 * MiB + 3 * MiB + 4321;
const KILL_AFTER = 160 * MiB;
const LEASE_SECONDS = 5;
const SETTINGS = { BERTH_OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true', BERTH_JOBS_LEASE_SECONDS: String(LEASE_SECONDS), BERTH_JOBS_POLL_INTERVAL_MS: '200' };
const ADMIN_CREDENTIAL = { type: 'basic' as const, username: ADMIN_USER, password: ADMIN_PASSWORD };
const authorization = `Basic ${Buffer.from(`${ADMIN_USER}:${ADMIN_PASSWORD}`).toString('base64')}`;

type Json = Record<string, unknown>;
const idOf = (location: string): number => Number(location.split('/').pop());

async function call<T = Json>(server: RegistryServer, method: string, path: string, body?: unknown): Promise<{ status: number; json: T; location: string }> {
  const res = await fetch(`${server.url}/api/v2.0${path}`, {
    method,
    headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : undefined) as T, location: res.headers.get('location') ?? '' };
}

async function created(server: RegistryServer, path: string, body: unknown): Promise<number> {
  const answer = await call(server, 'POST', path, body);
  assert.equal(answer.status, 201, `POST ${path}: ${JSON.stringify(answer.json)}`);
  return idOf(answer.location);
}

/** A one-layer image pushed as a client pushes it, its layer streamed from a generator (never held whole); answers the manifest's digest. */
async function pushImage(connection: RegistryConnection, repository: string, layer: ReturnType<typeof generatedBlob>): Promise<{ manifest: string; layer: string }> {
  const client = new RegistryClient(connection);
  try {
    const layerDigest = await layer.digest();
    await client.pushBlob(repository, layerDigest, layer.size, layer.open);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layerDigest] } }));
    const configDigest = sha256Of(config);
    await client.pushBlob(repository, configDigest, config.length, async () => Readable.from([config]));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: layer.size }],
      }),
    );
    return { manifest: (await client.putManifest(repository, 'v1', manifest, 'application/vnd.oci.image.manifest.v1+json')).digest, layer: layerDigest };
  } finally {
    client.close();
  }
}

/** The image as `connection` holds it, read back in full: its manifest digest and its layer's digest and size. */
async function readBack(connection: RegistryConnection, repository: string, layerDigest: string): Promise<{ manifest?: string; layer: string; size: number }> {
  const client = new RegistryClient(connection);
  try {
    const manifest = await client.getManifest(repository, 'v1');
    const blob = await client.getBlob(repository, layerDigest);
    return { ...(manifest ? { manifest: manifest.digest } : {}), layer: await sha256OfStream(blob.stream), size: blob.size };
  } finally {
    client.close();
  }
}

/**
 * Runs the policy on `berth` and waits for the proxy to have passed KILL_AFTER bytes; Berth is
 * killed there and started again. Answers the execution once it has ended, with its task logs.
 */
async function runThroughCrash(berth: RegistryServer, policyId: number, killed: () => Promise<void> | undefined): Promise<{ execution: Json; logs: string }> {
  const executionId = await created(berth, '/replication/executions', { policy_id: policyId });
  const deadline = Date.now() + 300_000;
  while (!killed() && Date.now() < deadline) await sleep(100);
  assert.ok(killed(), 'the replication never reached the point where Berth is killed');
  await killed();
  await berth.restart();
  let execution: Json = {};
  while (Date.now() < deadline) {
    execution = (await call(berth, 'GET', `/replication/executions/${executionId}`)).json;
    if (execution.status !== 'InProgress') break;
    await sleep(250);
  }
  const tasks = (await call<Json[]>(berth, 'GET', `/replication/executions/${executionId}/tasks`)).json;
  const logs = await Promise.all(
    tasks.map(async (task) =>
      (await fetch(`${berth.url}/api/v2.0/replication/executions/${executionId}/tasks/${String(task.id)}/log`, { headers: { authorization } })).text(),
    ),
  );
  return { execution, logs: `${JSON.stringify(tasks)}\n${logs.join('\n')}` };
}

/**
 * What two interruptions may cost at most: each loses the chunk it cut and what sat in socket
 * buffers (a few MiB on a loaded machine), where starting over even once costs 67 MiB or more.
 */
const MAX_RESENT = 3 * CHUNK_BYTES + 16 * MiB;

/**
 * Runs the policy through the cut and the crash; the execution must succeed having continued its
 * upload, and the bytes through the proxy (the way it watches) exceed the layer by less than
 * MAX_RESENT.
 */
async function finishesWithoutStartingOver(
  t: TestContext,
  berth: RegistryServer,
  policyId: number,
  proxy: FaultProxy,
  killed: () => Promise<void> | undefined,
  layerBytes: number,
): Promise<void> {
  const { execution, logs } = await runThroughCrash(berth, policyId, killed);
  assert.equal(execution.status, 'Succeed', `${JSON.stringify(execution)}\n${logs}`);
  assert.equal(proxy.cuts, 1);
  assert.match(logs, /continuing the upload an earlier attempt began/);
  const overhead = Math.max(proxy.forwarded, proxy.returned) - layerBytes;
  t.diagnostic(`${(overhead / MiB).toFixed(1)} MiB crossed the wire beyond the layer`);
  assert.ok(overhead < MAX_RESENT, `${(overhead / MiB).toFixed(1)} MiB more than the layer crossed the wire`);
}

describe('256 MiB replications through a cut connection and a Berth crash', { skip: BERTH_ONLY || skipUnlessTools('docker-registry'), timeout: 600_000 }, () => {
  let berth: RegistryServer;
  const proxies: FaultProxy[] = [];
  const others: Array<{ stop(): Promise<void> }> = [];
  let kill: Promise<void> | undefined;
  const killAt = (total: number): void => {
    if (total >= KILL_AFTER && !kill) kill = berth.kill();
  };

  before(async () => {
    berth = await RegistryServer.start(SETTINGS);
  });
  after(async () => {
    for (const proxy of proxies) await proxy.close();
    await Promise.all([berth?.stop(), ...others.map((other) => other.stop())]);
  });

  test('push to another Berth: the upload goes on from what the remote session holds, after the cut and after the crash', async (t) => {
    const remote = await RegistryServer.start();
    others.push(remote);
    kill = undefined;
    const proxy = await faultProxy(new URL(remote.url), { direction: 'up', cutAfter: CUT_AFTER, onBytes: killAt });
    proxies.push(proxy);
    const image = await pushImage({ url: berth.url, credential: ADMIN_CREDENTIAL, allowPrivateNetworks: true }, 'library/big', generatedBlob(LAYER_BYTES));
    await created(remote, '/projects', { project_name: 'mirror' });
    const registry = await created(berth, '/registries', {
      name: 'flaky-berth',
      type: 'harbor',
      url: proxy.url,
      credential: { type: 'basic', access_key: ADMIN_USER, access_secret: ADMIN_PASSWORD },
    });
    const policy = await created(berth, '/replication/policies', {
      name: 'big-push',
      dest_registry: { id: registry },
      dest_namespace: 'mirror',
      dest_namespace_replace_count: 1,
      filters: [{ type: 'name', value: 'library/big' }],
      trigger: { type: 'manual' },
      enabled: true,
    });

    await finishesWithoutStartingOver(t, berth, policy, proxy, () => kill, LAYER_BYTES);
    // Read directly from the remote (not through the proxy), byte for byte.
    const copy = await readBack({ url: remote.url, credential: ADMIN_CREDENTIAL, allowPrivateNetworks: true }, 'mirror/big', image.layer);
    assert.deepEqual(copy, { manifest: image.manifest, layer: image.layer, size: LAYER_BYTES });
  });

  test('pull from CNCF distribution: the download goes on by range into the upload kept here, after the cut and after the crash', async (t) => {
    const upstream = await startDistribution();
    others.push(upstream);
    kill = undefined;
    const proxy = await faultProxy(new URL(upstream.url), { direction: 'down', cutAfter: CUT_AFTER, onBytes: killAt });
    proxies.push(proxy);
    const image = await pushImage({ url: upstream.url, allowPrivateNetworks: true }, 'library/big', generatedBlob(LAYER_BYTES + 512));
    await created(berth, '/projects', { project_name: 'pulled' });
    const registry = await created(berth, '/registries', { name: 'flaky-distribution', type: 'docker-registry', url: proxy.url });
    const policy = await created(berth, '/replication/policies', {
      name: 'big-pull',
      src_registry: { id: registry },
      dest_namespace: 'pulled',
      dest_namespace_replace_count: 1,
      filters: [{ type: 'name', value: 'library/big' }],
      trigger: { type: 'manual' },
      enabled: true,
    });

    await finishesWithoutStartingOver(t, berth, policy, proxy, () => kill, LAYER_BYTES + 512);
    const copy = await readBack({ url: berth.url, credential: ADMIN_CREDENTIAL, allowPrivateNetworks: true }, 'pulled/big', image.layer);
    assert.deepEqual(copy, { manifest: image.manifest, layer: image.layer, size: LAYER_BYTES + 512 });
  });
});
