/**
 * A proxy cache project served by two `berth serve` processes on one PostgreSQL database, in front
 * of a real upstream (CNCF distribution) behind a counting proxy: a cold image pulled through both
 * at once is fetched from the upstream once, and a leader killed mid-fetch does not leave the
 * pulls waiting on it hanging.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it, type TestContext } from 'node:test';
import { OCI_MANIFEST_TYPE, RegistryClient } from '../../src/platform/registry-client/index.js';
import { startCountingProxy, type CountingProxy } from '../../src/proxy-cache/testing/upstream-proxy.js';
import { api, expectJson } from '../../src/testing/api.js';
import { basic, TestClient } from '../../src/testing/client.js';
import { startDistribution, type DistributionServer } from '../../src/testing/distribution.js';
import { openBuffer, sha256Of } from '../../src/testing/registry-content.js';
import { ADMIN_PASSWORD, ADMIN_USER, RegistryServer, sleep } from './harness.js';
import { scaleOutSkip, startScaleOut, type ScaleOut } from './scale-out.js';

const ADMIN = basic(ADMIN_USER, ADMIN_PASSWORD);
/** Pulls through each instance at once. */
const PULLS_PER_INSTANCE = 8;

async function bytesOf(res: Response): Promise<Buffer> {
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(res.status, 200, body.toString());
  return body;
}

/** Pushes an image of `layers` random layers upstream; answers its manifest's digest and its blobs. */
async function pushImage(upstream: RegistryClient, repository: string, tag: string, layers: number, layerSize: number) {
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, label: randomBytes(8).toString('hex') }),
  );
  const blobs = [config, ...Array.from({ length: layers }, () => randomBytes(layerSize))].map((bytes) => ({ bytes, digest: sha256Of(bytes) }));
  for (const blob of blobs) await upstream.pushBlob(repository, blob.digest, blob.bytes.length, openBuffer(blob.bytes));
  const [head, ...rest] = blobs;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST_TYPE,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: head!.digest, size: head!.bytes.length },
      layers: rest.map((blob) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: blob.digest, size: blob.bytes.length })),
    }),
  );
  await upstream.putManifest(repository, tag, manifest, OCI_MANIFEST_TYPE);
  return { manifest: sha256Of(manifest), blobs: blobs.map((blob) => blob.digest) };
}

describe('proxy cache on two instances', { skip: scaleOutSkip('docker-registry'), timeout: 300_000 }, () => {
  let scale: ScaleOut | undefined;
  let remote: DistributionServer;
  let counting: CountingProxy;
  let upstream: RegistryClient;

  before(async () => {
    remote = await startDistribution();
    counting = await startCountingProxy(remote.url);
    upstream = new RegistryClient({ url: remote.url, allowPrivateNetworks: true });
    scale = await startScaleOut({ name: 'pxflight', storage: 'filesystem' });
    const a = scale.instances[0]!;
    const created = await api(a.url, 'POST', '/registries', {
      authorization: ADMIN,
      body: { name: 'upstream', type: 'docker-registry', url: counting.url, insecure: true },
    });
    await expectJson(created, 201);
    const registryId = Number(created.headers.get('location')?.split('/').pop());
    for (const [name, metadata] of [
      ['hub', { public: 'true' }],
      // Slow enough (256 KB/s) that the leader can be killed while its bytes flow.
      ['slow', { public: 'true', proxy_speed_kb: '256' }],
    ] as const) {
      await expectJson(await api(a.url, 'POST', '/projects', { authorization: ADMIN, body: { project_name: name, registry_id: registryId, metadata } }), 201);
    }
  });

  after(async () => {
    upstream?.close();
    await scale?.stop();
    await counting?.close();
    await remote?.stop();
  });

  /** Pulls a cold image through `instances` at once, PULLS_PER_INSTANCE clients on each: the upstream must serve each part once. */
  async function pullCold(t: TestContext, instances: RegistryServer[], repository: string): Promise<void> {
    const image = await pushImage(upstream, repository, 'v1', 3, 4 * 1024 * 1024);
    const started = Date.now();
    const pulls = await Promise.all(
      Array.from({ length: PULLS_PER_INSTANCE * instances.length }, async (_, i) => {
        const client = new TestClient(instances[i % instances.length]!.url, ADMIN);
        const manifest = await client.request('GET', `/v2/hub/${repository}/manifests/v1`, { headers: { accept: OCI_MANIFEST_TYPE } });
        assert.equal(manifest.headers.get('docker-content-digest'), image.manifest);
        const got = [sha256Of(await bytesOf(manifest))];
        for (const digest of image.blobs) got.push(sha256Of(await bytesOf(await client.request('GET', `/v2/hub/${repository}/blobs/${digest}`))));
        return got;
      }),
    );
    const elapsed = Date.now() - started;
    // Every client got every byte, identical to what was pushed.
    for (const got of pulls) assert.deepEqual(got, [image.manifest, ...image.blobs]);
    const blobGets = image.blobs.map((digest) => counting.count('GET', `/v2/${repository}/blobs/${digest}`));
    const tagHeads = counting.count('HEAD', `/v2/${repository}/manifests/v1`);
    const manifestGets = counting.count('GET', `/v2/${repository}/manifests/${image.manifest}`) + counting.count('GET', `/v2/${repository}/manifests/v1`);
    t.diagnostic(
      `${pulls.length} pulls over ${instances.length} instance(s) in ${elapsed} ms: blob GETs ${blobGets.join(',')}, tag HEADs ${tagHeads}, manifest GETs ${manifestGets}`,
    );
    assert.deepEqual(
      blobGets,
      image.blobs.map(() => 1),
      'each blob is read from the upstream once',
    );
    assert.equal(tagHeads, 1, 'the tag is asked of the upstream once');
    assert.equal(manifestGets, 1, 'the manifest is read from the upstream once');
  }

  it('fetches a cold image pulled through one instance by many clients at once from the upstream once', async (t) => {
    await pullCold(t, [scale!.instances[1]!], 'team/single');
  });

  it('fetches a cold image pulled through both instances at once from the upstream once', async (t) => {
    await pullCold(t, scale!.instances, 'team/cold');
  });

  it('lets a pull waiting on another instance take over when that instance is killed mid-fetch', async (t) => {
    const [a, b] = scale!.instances as [RegistryServer, RegistryServer];
    const bytes = randomBytes(3 * 1024 * 1024);
    const digest = sha256Of(bytes);
    await upstream.pushBlob('team/killed', digest, bytes.length, openBuffer(bytes));
    const path = `/v2/slow/team/killed/blobs/${digest}`;
    const upstreamPath = `/v2/team/killed/blobs/${digest}`;

    // The leader: a pull through the first instance, which starts reading the blob upstream at 256 KB/s.
    const leader = new TestClient(a.url, ADMIN)
      .request('GET', path)
      .then(async (res) => Buffer.from(await res.arrayBuffer()))
      .catch(() => undefined);
    const deadline = Date.now() + 30_000;
    while (counting.count('GET', upstreamPath) === 0 && Date.now() < deadline) await sleep(50);
    assert.equal(counting.count('GET', upstreamPath), 1);
    // A follower on the second instance: it waits for the leader instead of reading the blob too.
    const started = Date.now();
    const follower = new TestClient(b.url, ADMIN).request('GET', path).then(bytesOf);
    await sleep(1500);
    assert.equal(counting.count('GET', upstreamPath), 1, 'the second instance waits for the first');
    await a.kill();
    await leader.catch(() => undefined);

    const served = await follower;
    const elapsed = Date.now() - started;
    t.diagnostic(`the follower's pull completed ${elapsed} ms after it began, upstream GETs ${counting.count('GET', upstreamPath)}`);
    assert.equal(sha256Of(served), digest);
    // One read by the killed leader, one by the instance that took over.
    assert.equal(counting.count('GET', upstreamPath), 2);
    // Held for 15 s past the leader's last renewal, then 3 MB at 256 KB/s (12 s): well within a minute.
    assert.ok(elapsed < 60_000, `took ${elapsed} ms`);
    // Stored now: served from the cache without the upstream.
    assert.equal(sha256Of(await bytesOf(await new TestClient(b.url, ADMIN).request('GET', path))), digest);
    assert.equal(counting.count('GET', upstreamPath), 2);
  });
});
