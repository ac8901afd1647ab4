/**
 * A proxy cache project in front of CNCF distribution: podman pulls an image and a multi-arch
 * index through Berth, byte-identical to the upstream; with the upstream stopped, the same pulls
 * are served from Berth's cache.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OCI_INDEX_TYPE, RegistryClient } from '../../src/platform/registry-client/index.js';
import { api, expectJson } from '../../src/testing/api.js';
import { basic } from '../../src/testing/client.js';
import { startDistribution, type DistributionServer } from '../../src/testing/distribution.js';
import { ADMIN_PASSWORD, ADMIN_USER, ClientEnv, makeTempDir, RegistryServer, removeDir, requireTools, sha256, skipUnlessTools } from './harness.js';

const TOOLS = ['buildah', 'podman', 'skopeo', 'docker-registry', 'perl'];
const ADMIN = basic(ADMIN_USER, ADMIN_PASSWORD);

describe('proxy cache project', { skip: skipUnlessTools(...TOOLS), timeout: 240_000 }, () => {
  let server: RegistryServer;
  let upstream: DistributionServer;
  let upstreamStopped = false;
  let work: string;
  let client: ClientEnv;
  const raw: Record<string, string> = {};
  const configDigest: Record<string, string> = {};

  before(async () => {
    requireTools(...TOOLS);
    [server, upstream] = await Promise.all([RegistryServer.start(), startDistribution()]);
    work = makeTempDir('pxc');
    client = new ClientEnv(join(work, 'c'), server.host);
    // Two single-file images (FROM scratch: no emulation needed for the arm64 one), pushed upstream.
    for (const arch of ['amd64', 'arm64']) {
      const context = join(work, `ctx-${arch}`);
      mkdirSync(context);
      writeFileSync(join(context, 'hello.txt'), `hello ${arch} ${randomBytes(8).toString('hex')}\n`);
      writeFileSync(join(context, 'Containerfile'), 'FROM scratch\nCOPY hello.txt /hello.txt\n');
      await client.buildah(['bud', '--isolation', 'chroot', '--arch', arch, '-t', `localhost/img-${arch}`, context]);
      await client.buildah(['push', '--tls-verify=false', `localhost/img-${arch}`, `docker://${upstream.host}/team/app:${arch}`]);
    }
    // The multi-arch index over both, as `docker buildx` would push it.
    const remote = new RegistryClient({ url: upstream.url, allowPrivateNetworks: true });
    const children = [];
    for (const arch of ['amd64', 'arm64']) {
      const manifest = await remote.getManifest('team/app', arch);
      assert.ok(manifest);
      children.push({ mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length, platform: { architecture: arch, os: 'linux' } });
      configDigest[arch] = (JSON.parse(manifest.bytes.toString()) as { config: { digest: string } }).config.digest;
    }
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX_TYPE, manifests: children }));
    await remote.putManifest('team/app', 'multi', index, OCI_INDEX_TYPE);
    remote.close();
    for (const ref of ['team/app:amd64', 'team/app:multi']) {
      raw[ref] = (await client.skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${upstream.host}/${ref}`])).stdout;
    }

    const created = await api(server.url, 'POST', '/registries', {
      authorization: ADMIN,
      body: { name: 'local-distribution', type: 'docker-registry', url: upstream.url },
    });
    await expectJson(created, 201);
    const registryId = Number(created.headers.get('location')?.split('/').pop());
    await expectJson(
      await api(server.url, 'POST', '/projects', { authorization: ADMIN, body: { project_name: 'hub', registry_id: registryId, metadata: { public: 'true' } } }),
      201,
    );
    await client.podman(['login', '-u', ADMIN_USER, '-p', ADMIN_PASSWORD, server.host]);
  });

  after(async () => {
    await Promise.all([server?.stop(), upstreamStopped ? undefined : upstream?.stop()]);
    if (work) removeDir(work);
  });

  async function pullBoth(): Promise<void> {
    await client.podman(['rmi', '--all', '--force']);
    await client.podman(['pull', '--arch', 'amd64', `${server.host}/hub/team/app:amd64`]);
    await client.podman(['pull', '--arch', 'arm64', `${server.host}/hub/team/app:multi`]);
    const ids = (await client.podman(['images', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'])).stdout;
    // An image's ID is its config's digest: the image that arrived is the one pushed upstream.
    assert.match(ids, new RegExp(`hub/team/app:amd64 (sha256:)?${configDigest.amd64!.replace('sha256:', '')}`));
    assert.match(ids, new RegExp(`hub/team/app:multi (sha256:)?${configDigest.arm64!.replace('sha256:', '')}`));
    for (const ref of ['team/app:amd64', 'team/app:multi']) {
      const served = (
        await client.skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', `${ADMIN_USER}:${ADMIN_PASSWORD}`, `docker://${server.host}/hub/${ref}`])
      ).stdout;
      assert.equal(sha256(served), sha256(raw[ref]!), `${ref} is byte-identical`);
    }
  }

  test('podman pulls an image and one platform of an index through the proxy cache', async () => {
    await pullBoth();
  });

  test('with the upstream stopped, the same pulls are served from the cache', async () => {
    await upstream.stop();
    upstreamStopped = true;
    await pullBoth();
  });
});
