/** Proxy cache projects against a real upstream (CNCF distribution), through a counting stand-in that can fail on demand. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createUser, hashPassword } from '../auth/index.js';
import { OCI_INDEX_TYPE, OCI_MANIFEST_TYPE, RegistryClient } from '../platform/registry-client/index.js';
import { api, expectJson } from '../testing/api.js';
import { basic, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startDistribution, type DistributionServer } from '../testing/distribution.js';
import { imageIndex, imageManifest, openBuffer, sha256Of, smallBlob, type SmallBlob } from '../testing/registry-content.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { eventually } from '../testing/wait.js';
import { skipUnlessTools } from '../../test/e2e/harness.js';
import { startCountingProxy, type CountingProxy } from './testing/upstream-proxy.js';
import { SIMPLE_SIGNING_LAYER_TYPE } from '../trust/sign/signature-manifest.js';

const FRESHNESS_SECONDS = 300;
const STRANGER = basic('proxy-stranger', 'Passw0rd-stranger');

async function pushImage(
  upstream: RegistryClient,
  repository: string,
  tag: string,
  label: string,
): Promise<{ manifest: SmallBlob; config: SmallBlob; layer: SmallBlob }> {
  const config = smallBlob(`{"architecture":"amd64","os":"linux","label":"${label}"}`);
  const layer = smallBlob(`layer of ${repository}:${label}`);
  for (const blob of [config, layer]) await upstream.pushBlob(repository, blob.digest, blob.bytes.length, openBuffer(blob.bytes));
  const manifest = imageManifest(config, layer);
  await upstream.putManifest(repository, tag, manifest.bytes, OCI_MANIFEST_TYPE);
  return { manifest, config, layer };
}

/** A signature as `cosign sign` leaves it in its tag scheme (the placeholder signature verifies nothing: presence is what content trust asks). */
async function pushSignature(upstream: RegistryClient, repository: string, subject: string, tag: string): Promise<void> {
  const config = smallBlob('{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[]}}');
  const payload = smallBlob(
    JSON.stringify({
      critical: { identity: { 'docker-reference': repository }, image: { 'docker-manifest-digest': subject }, type: 'cosign container image signature' },
    }),
  );
  for (const blob of [config, payload]) await upstream.pushBlob(repository, blob.digest, blob.bytes.length, openBuffer(blob.bytes));
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST_TYPE,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.bytes.length },
    layers: [
      {
        mediaType: SIMPLE_SIGNING_LAYER_TYPE,
        digest: payload.digest,
        size: payload.bytes.length,
        annotations: { 'dev.cosignproject.cosign/signature': 'MEUCIQ==' },
      },
    ],
  };
  await upstream.putManifest(repository, tag, Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST_TYPE);
}

async function bytesOf(res: Response, status = 200): Promise<Buffer> {
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(res.status, status, body.toString());
  return body;
}

for (const dialect of testDialects()) {
  describe(`proxy cache projects (${dialect.name})`, { skip: skipUnlessTools('docker-registry', 'perl'), timeout: 300_000 }, () => {
    let server: TestServer;
    let remote: DistributionServer;
    let proxy: CountingProxy;
    let upstream: RegistryClient;
    let registryId: number;
    let berth: TestClient;
    const clock = { offset: 0, now: () => Date.now() + clock.offset };

    before(async () => {
      remote = await startDistribution();
      proxy = await startCountingProxy(remote.url);
      upstream = new RegistryClient({ url: remote.url, allowPrivateNetworks: true });
      server = await startTestServer(dialect, { proxyCache: { tagFreshnessSeconds: FRESHNESS_SECONDS } }, clock);
      berth = new TestClient(server.url);
      const created = await api(server.url, 'POST', '/registries', { body: { name: 'upstream', type: 'docker-registry', url: proxy.url, insecure: true } });
      await expectJson(created, 201);
      registryId = Number(created.headers.get('location')?.split('/').pop());
      await expectJson(await api(server.url, 'POST', '/projects', { body: { project_name: 'cache', registry_id: registryId, metadata: { public: 'false' } } }), 201);
      await createUser(server.database.db, { username: 'proxy-stranger', passwordHash: await hashPassword('Passw0rd-stranger'), sysadmin: false, now: Date.now() });
    });
    after(async () => {
      upstream?.close();
      await server?.close();
      await proxy?.close();
      await remote?.stop();
    });

    it('returns registry_id in the project, refuses a missing endpoint, non-administrators, and deleting an endpoint in use', async () => {
      const project = await expectJson<{ registry_id?: number; name: string }>(await api(server.url, 'GET', '/projects/cache'), 200);
      assert.equal(project.registry_id, registryId);
      const missing = await expectJson<{ errors: Array<{ message: string }> }>(
        await api(server.url, 'POST', '/projects', { body: { project_name: 'nowhere', registry_id: 9999 } }),
        400,
      );
      assert.equal(missing.errors[0]?.message, 'registry 9999 not found');
      await expectJson(await api(server.url, 'POST', '/projects', { authorization: STRANGER, body: { project_name: 'mine', registry_id: registryId } }), 403);
      await expectJson(await api(server.url, 'DELETE', `/registries/${registryId}`), 412);
    });

    it('serves an image byte-identical, stores it, and makes it an artifact once its layers are cached', async () => {
      const pushed = await pushImage(upstream, 'team/app', 'v1', 'first');
      const manifest = await berth.request('GET', '/v2/cache/team/app/manifests/v1', { headers: { accept: OCI_MANIFEST_TYPE } });
      assert.equal(manifest.headers.get('docker-content-digest'), pushed.manifest.digest);
      assert.deepEqual(await bytesOf(manifest), pushed.manifest.bytes);
      for (const blob of [pushed.config, pushed.layer]) {
        assert.deepEqual(await bytesOf(await berth.request('GET', `/v2/cache/team/app/blobs/${blob.digest}`)), blob.bytes);
      }
      const artifact = await eventually(async () => {
        const res = await api(server.url, 'GET', '/projects/cache/repositories/team%252Fapp/artifacts/v1');
        return res.status === 200 ? expectJson<{ digest: string }>(res, 200) : (await res.body?.cancel(), undefined);
      });
      assert.equal(artifact.digest, pushed.manifest.digest);
      // Stored through the push path: the project's quota counts what was cached.
      const summary = await expectJson<{ quota?: { used: { storage: number } } }>(await api(server.url, 'GET', '/projects/cache/summary'), 200);
      const cachedBytes = pushed.manifest.bytes.length + pushed.config.bytes.length + pushed.layer.bytes.length;
      assert.ok((summary.quota?.used.storage ?? 0) >= cachedBytes, `quota used ${summary.quota?.used.storage} < ${cachedBytes}`);
      // Cached now: a second pull does not read the blobs upstream again.
      const before = proxy.count('GET', `/v2/team/app/blobs/${pushed.layer.digest}`);
      assert.deepEqual(await bytesOf(await berth.request('GET', `/v2/cache/team/app/blobs/${pushed.layer.digest}`)), pushed.layer.bytes);
      assert.equal(proxy.count('GET', `/v2/team/app/blobs/${pushed.layer.digest}`), before);
    });

    it('serves the cache when the upstream answers 429 or is down; a miss then fails with a clear error', async () => {
      const pushed = await pushImage(upstream, 'team/steady', 'v1', 'steady');
      await bytesOf(await berth.request('GET', '/v2/cache/team/steady/manifests/v1'));
      for (const blob of [pushed.config, pushed.layer]) await bytesOf(await berth.request('GET', `/v2/cache/team/steady/blobs/${blob.digest}`));
      clock.offset += (FRESHNESS_SECONDS + 1) * 1000;
      try {
        for (const mode of ['rate-limited', 'down'] as const) {
          proxy.mode = mode;
          const res = await berth.request('GET', '/v2/cache/team/steady/manifests/v1');
          assert.equal(res.headers.get('docker-content-digest'), pushed.manifest.digest, mode);
          assert.deepEqual(await bytesOf(res), pushed.manifest.bytes);
          assert.deepEqual(await bytesOf(await berth.request('GET', `/v2/cache/team/steady/blobs/${pushed.layer.digest}`)), pushed.layer.bytes);
        }
        proxy.mode = 'rate-limited';
        const limited = await berth.request('GET', '/v2/cache/team/never/blobs/' + sha256Of(Buffer.from('never')));
        assert.equal(limited.status, 429);
        assert.equal(((await limited.json()) as { errors: Array<{ code: string }> }).errors[0]?.code, 'TOOMANYREQUESTS');
        proxy.mode = 'down';
        const down = await berth.request('GET', '/v2/cache/team/never/manifests/v1');
        assert.equal(down.status, 503);
        assert.equal(((await down.json()) as { errors: Array<{ code: string }> }).errors[0]?.code, 'UNAVAILABLE');
      } finally {
        proxy.mode = 'pass';
      }
    });

    it('fetches a blob pulled 50 times at once from the upstream exactly once', async () => {
      const big = randomBytes(4 * 1024 * 1024);
      const digest = sha256Of(big);
      await upstream.pushBlob('team/big', digest, big.length, openBuffer(big));
      const pulls = await Promise.all(Array.from({ length: 50 }, () => berth.request('GET', `/v2/cache/team/big/blobs/${digest}`).then((res) => bytesOf(res))));
      for (const body of pulls) assert.equal(sha256Of(body), digest);
      assert.equal(proxy.count('GET', `/v2/team/big/blobs/${digest}`), 1);
    });

    it('keeps storing a blob whose first puller hung up, and serves it from the cache afterwards', async () => {
      const big = randomBytes(8 * 1024 * 1024);
      const digest = sha256Of(big);
      await upstream.pushBlob('team/abandoned', digest, big.length, openBuffer(big));
      const abort = new AbortController();
      const token = await berth.token('repository:cache/team/abandoned:pull');
      const res = await fetch(`${server.url}/v2/cache/team/abandoned/blobs/${digest}`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
      const reader = res.body!.getReader();
      await reader.read();
      abort.abort();
      await reader.cancel().catch(() => undefined);
      const stored = await eventually(async () => {
        const head = await berth.request('HEAD', `/v2/cache/team/abandoned/blobs/${digest}`);
        return head.status === 200 && head.headers.get('accept-ranges') === 'bytes' ? head : undefined;
      });
      assert.equal(stored.headers.get('content-length'), String(big.length));
      assert.equal(sha256Of(await bytesOf(await berth.request('GET', `/v2/cache/team/abandoned/blobs/${digest}`))), digest);
      assert.equal(proxy.count('GET', `/v2/team/abandoned/blobs/${digest}`), 1);
    });

    it('re-checks a tag upstream only after the freshness window', async () => {
      const first = await pushImage(upstream, 'team/moving', 'latest', 'one');
      const pull = async () => (await berth.request('HEAD', '/v2/cache/team/moving/manifests/latest')).headers.get('docker-content-digest');
      assert.equal(await pull(), first.manifest.digest);
      const second = await pushImage(upstream, 'team/moving', 'latest', 'two');
      const heads = proxy.count('HEAD', '/v2/team/moving/manifests/latest');
      assert.equal(await pull(), first.manifest.digest, 'within the window the cached digest is served');
      assert.equal(proxy.count('HEAD', '/v2/team/moving/manifests/latest'), heads, 'without asking the upstream');
      clock.offset += (FRESHNESS_SECONDS + 1) * 1000;
      assert.equal(await pull(), second.manifest.digest);
    });

    it('serves a multi-arch index and its children, also from the cache once the upstream is down', async () => {
      const amd = await pushImage(upstream, 'team/multi', 'amd64', 'amd');
      const arm = await pushImage(upstream, 'team/multi', 'arm64', 'arm');
      const index = imageIndex([
        { manifest: amd.manifest, architecture: 'amd64' },
        { manifest: arm.manifest, architecture: 'arm64' },
      ]);
      await upstream.putManifest('team/multi', 'v1', index.bytes, OCI_INDEX_TYPE);
      const pullAll = async () => {
        const got = await berth.request('GET', '/v2/cache/team/multi/manifests/v1');
        assert.equal(got.headers.get('content-type'), OCI_INDEX_TYPE);
        assert.deepEqual(await bytesOf(got), index.bytes);
        assert.deepEqual(await bytesOf(await berth.request('GET', `/v2/cache/team/multi/manifests/${arm.manifest.digest}`)), arm.manifest.bytes);
        for (const blob of [arm.config, arm.layer])
          assert.deepEqual(await bytesOf(await berth.request('GET', `/v2/cache/team/multi/blobs/${blob.digest}`)), blob.bytes);
      };
      await pullAll();
      clock.offset += (FRESHNESS_SECONDS + 1) * 1000;
      proxy.mode = 'down';
      try {
        await pullAll();
      } finally {
        proxy.mode = 'pass';
      }
    });

    it('picks up an edited endpoint: pulls go to its new URL', async () => {
      const second = await startCountingProxy(remote.url);
      try {
        await expectJson(await api(server.url, 'PUT', `/registries/${registryId}`, { body: { url: second.url } }), 200);
        clock.offset += 10_000;
        const pushed = await pushImage(upstream, 'team/moved', 'v1', 'moved');
        const res = await berth.request('GET', '/v2/cache/team/moved/manifests/v1');
        assert.equal(res.headers.get('docker-content-digest'), pushed.manifest.digest);
        await res.body?.cancel();
        assert.equal(second.count('GET', `/v2/team/moved/manifests/${pushed.manifest.digest}`), 1);
        assert.equal(proxy.count('HEAD', '/v2/team/moved/manifests/v1'), 0);
      } finally {
        await expectJson(await api(server.url, 'PUT', `/registries/${registryId}`, { body: { url: proxy.url } }), 200);
        clock.offset += 10_000;
        await second.close();
      }
    });

    it('refuses pushes, and pulls by non-members of a private proxy project', async () => {
      const push = await berth.request('POST', '/v2/cache/team/app/blobs/uploads/');
      assert.equal(push.status, 403);
      const body = (await push.json()) as { errors: Array<{ code: string; message: string }> };
      assert.equal(body.errors[0]?.code, 'DENIED');
      assert.match(body.errors[0]?.message ?? '', /can not push artifact to a proxy project: cache/);
      const stranger = await fetch(`${server.url}/v2/cache/team/app/manifests/v1`, { headers: { authorization: STRANGER } });
      assert.equal(stranger.status, 403);
      await stranger.body?.cancel();
    });

    it("judges first pulls by the project's content trust, before the image is an artifact here", async () => {
      const metadata = { public: 'false', enable_content_trust_cosign: 'true' };
      await expectJson(await api(server.url, 'POST', '/projects', { body: { project_name: 'trusted', registry_id: registryId, metadata } }), 201);
      const unsigned = await pushImage(upstream, 'team/unsigned', 'v1', 'unsigned');
      const refused = await berth.request('GET', '/v2/trusted/team/unsigned/manifests/v1', { headers: { accept: OCI_MANIFEST_TYPE } });
      const refusal = (await refused.json()) as { errors: Array<{ code: string; message: string }> };
      assert.equal(refused.status, 412, JSON.stringify(refusal));
      assert.equal(refusal.errors[0]?.code, 'PROJECTPOLICYVIOLATION');
      const byDigest = await berth.request('GET', `/v2/trusted/team/unsigned/manifests/${unsigned.manifest.digest}`, { headers: { accept: OCI_MANIFEST_TYPE } });
      assert.equal(byDigest.status, 412);
      await byDigest.body?.cancel();
      // Held back, it is cached all the same: it becomes an artifact here, to be scanned, signed or deleted.
      const held = await eventually(async () => {
        const res = await api(server.url, 'GET', '/projects/trusted/repositories/team%252Funsigned/artifacts/v1');
        return res.status === 200 ? expectJson<{ digest: string }>(res, 200) : (await res.body?.cancel(), undefined);
      });
      assert.equal(held.digest, unsigned.manifest.digest);

      // Signed upstream: once its signature has come through the cache (as cosign reads it), the image passes.
      const signed = await pushImage(upstream, 'team/signed', 'v1', 'signed');
      const signatureTag = `${signed.manifest.digest.replace(':', '-')}.sig`;
      await pushSignature(upstream, 'team/signed', signed.manifest.digest, signatureTag);
      const signature = await bytesOf(await berth.request('GET', `/v2/trusted/team/signed/manifests/${signatureTag}`, { headers: { accept: OCI_MANIFEST_TYPE } }));
      const { config, layers } = JSON.parse(signature.toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
      for (const blob of [config, ...layers]) await bytesOf(await berth.request('GET', `/v2/trusted/team/signed/blobs/${blob.digest}`));
      const served = await eventually(async () => {
        const res = await berth.request('GET', '/v2/trusted/team/signed/manifests/v1', { headers: { accept: OCI_MANIFEST_TYPE } });
        return res.status === 200 ? bytesOf(res) : (await res.body?.cancel(), undefined);
      });
      assert.deepEqual(served, signed.manifest.bytes);
    });
  });
}
