/**
 * The copier between Berth's content and a real CNCF distribution, both ways: a multi-arch index
 * with its images and its cosign signature goes out under a rewritten name, comes back into
 * another project byte for byte, and a second copy sends nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ContentService } from '../../content/index.js';
import { Metrics } from '../../platform/metrics/index.js';
import { RegistryClient } from '../../platform/registry-client/index.js';
import { FreeSpaceGuard } from '../../platform/storage/index.js';
import { basic, OCI_INDEX, TestClient } from '../../testing/client.js';
import { testDialects } from '../../testing/dialects.js';
import { startDistribution, type DistributionServer } from '../../testing/distribution.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../testing/server.js';
import { skipUnlessTools } from '../../../test/e2e/harness.js';
import { pushCosignSignature } from '../../trust/testing/cosign-signature.suite.js';
import { Copier, Placements, type CopyJob } from './copier.js';
import { LocalEndpoint } from './local-endpoint.js';
import { cosignSignatureTag, RemoteEndpoint } from './remote-endpoint.js';

for (const dialect of testDialects()) {
  describe(`copying artifacts between Berth and a distribution registry (${dialect.name})`, { skip: skipUnlessTools('docker-registry') }, () => {
    let server: TestServer;
    let distribution: DistributionServer;
    let local: LocalEndpoint;
    let remote: RemoteEndpoint;
    let client: RegistryClient;
    let admin: TestClient;
    let index = '';
    const lines: string[] = [];
    const job = (over: Partial<CopyJob>): CopyJob => ({
      source: local,
      sourceRepository: 'library/app',
      destination: remote,
      destinationRepository: 'mirror/app',
      digest: index,
      tags: ['v1'],
      override: true,
      log: (line) => lines.push(line),
      ...over,
    });

    before(async () => {
      server = await startTestServer(dialect);
      distribution = await startDistribution();
      const content = new ContentService({
        config: server.config,
        database: server.database,
        storage: server.storage,
        space: new FreeSpaceGuard({ storage: server.storage, database: server.database, minFreeBytes: 0 }),
        clock: { now: () => Date.now() },
        metrics: new Metrics(),
      });
      local = new LocalEndpoint({ content, database: server.database }, { name: 'replication' });
      client = new RegistryClient({ url: distribution.url, allowPrivateNetworks: true });
      remote = new RemoteEndpoint(client, distribution.url);
      admin = new TestClient(server.url, basic('admin', ADMIN_PASSWORD));
      const amd64 = await admin.pushImage('library/app', 'amd64', Buffer.from('amd64 layer'));
      const arm64 = await admin.pushImage('library/app', 'arm64', Buffer.from('arm64 layer'));
      const size = (manifest: object) => Buffer.byteLength(JSON.stringify(manifest));
      index = (
        await admin.pushManifest(
          'library/app',
          'v1',
          {
            schemaVersion: 2,
            mediaType: OCI_INDEX,
            manifests: [
              {
                mediaType: 'application/vnd.oci.image.manifest.v1+json',
                digest: amd64.digest,
                size: size(amd64.manifest),
                platform: { architecture: 'amd64', os: 'linux' },
              },
              {
                mediaType: 'application/vnd.oci.image.manifest.v1+json',
                digest: arm64.digest,
                size: size(arm64.manifest),
                platform: { architecture: 'arm64', os: 'linux' },
              },
            ],
          },
          OCI_INDEX,
        )
      ).digest;
      await pushCosignSignature(admin, 'library/app', index);
      const created = await fetch(`${server.url}/api/v2.0/projects`, {
        method: 'POST',
        headers: { authorization: basic('admin', ADMIN_PASSWORD), 'content-type': 'application/json' },
        body: JSON.stringify({ project_name: 'backup' }),
      });
      assert.equal(created.status, 201);
    });
    after(async () => {
      client?.close();
      await distribution?.stop();
      await server?.close();
    });

    it('pushes the index, its images and its signature to the remote, under the destination name', async () => {
      const result = await new Copier().copy(job({}));
      assert.equal(result.manifests, 4, 'two images, the index and the signature');
      assert.equal(result.blobsCopied, 5, 'the config both images share, a layer per image, and the signature config and payload');
      const there = await client.getManifest('mirror/app', 'v1');
      const here = await local.getManifest('library/app', 'v1');
      assert.equal(there?.digest, index);
      assert.deepEqual(there?.bytes, here?.bytes);
      const signature = await client.getManifest('mirror/app', cosignSignatureTag(index));
      assert.ok(signature, 'the signature keeps its tag at the destination');
    });

    it('a second copy finds everything there and sends no blob', async () => {
      const result = await new Copier().copy(job({}));
      assert.deepEqual([result.blobsCopied, result.bytesSent, result.manifests], [0, 0, 0]);
    });

    it('pulls it back from the remote into another project, byte for byte, with the signature as an accessory', async () => {
      const result = await new Copier().copy(
        job({ source: remote, sourceRepository: 'mirror/app', destination: local, destinationRepository: 'backup/app', digest: index, tags: ['v1', 'stable'] }),
      );
      assert.equal(result.manifests, 4);
      const back = await local.getManifest('backup/app', 'stable');
      const original = await local.getManifest('library/app', 'v1');
      assert.deepEqual(back?.bytes, original?.bytes);
      const accessories = await local.accessories('backup/app', index);
      assert.deepEqual(
        accessories.map((a) => a.tags),
        [[cosignSignatureTag(index)]],
      );
    });

    it('keeps a tag the destination has for another artifact unless the policy overrides', async () => {
      const other = await admin.pushImage('library/other', 'x', Buffer.from('another layer'));
      await new Copier().copy(job({ sourceRepository: 'library/other', destinationRepository: 'mirror/app', digest: other.digest, tags: ['v1'], override: false }));
      assert.equal((await client.getManifest('mirror/app', 'v1'))?.digest, index);
      assert.ok(lines.some((line) => line.includes('tag v1 kept')));
      await new Copier().copy(job({ sourceRepository: 'library/other', destinationRepository: 'mirror/app', digest: other.digest, tags: ['v1'], override: true }));
      assert.equal((await client.getManifest('mirror/app', 'v1'))?.digest, other.digest);
    });

    it('copies running at once into two repositories send a layer they share once, and mount it into the other', async () => {
      const shared = randomBytes(256 * 1024);
      const image = (name: string) =>
        admin.pushArtifact(name, 'v1', {
          config: { data: Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', name })), mediaType: 'application/vnd.oci.image.config.v1+json' },
          layers: [
            { data: shared, mediaType: 'application/vnd.oci.image.layer.v1.tar' },
            { data: Buffer.from(`own layer of ${name}`), mediaType: 'application/vnd.oci.image.layer.v1.tar' },
          ],
        });
      const [a, b] = [await image('library/base-a'), await image('library/base-b')];
      const placements = new Placements();
      const results = await Promise.all(
        [
          { sourceRepository: 'library/base-a', destinationRepository: 'mirror/base-a', digest: a.digest },
          { sourceRepository: 'library/base-b', destinationRepository: 'mirror/base-b', digest: b.digest },
        ].map((over) => new Copier(placements).copy(job({ ...over, tags: ['v1'] }))),
      );
      const sent = results.reduce((n, r) => n + r.bytesSent, 0);
      assert.ok(sent < 2 * shared.length, `the shared layer went over once (${sent} bytes sent for a ${shared.length}-byte layer)`);
      assert.deepEqual(
        results.map((r) => r.blobsCopied + r.blobsPresent),
        [3, 3],
      );
      for (const [repository, digest] of [
        ['mirror/base-a', a.digest],
        ['mirror/base-b', b.digest],
      ] as const) {
        assert.equal((await client.getManifest(repository, 'v1'))?.digest, digest);
        assert.ok(await client.headBlob(repository, a.manifest.layers[0]!.digest), `${repository} holds the shared layer`);
      }
    });

    it('refuses to create a repository in a project that does not exist', async () => {
      await assert.rejects(
        new Copier().copy(job({ source: remote, sourceRepository: 'mirror/app', destination: local, destinationRepository: 'nowhere/app', tags: [] })),
        /the destination project nowhere does not exist/,
      );
    });

    it('when the destination says it has a blob and then answers "blob unknown", pushes the blob again', async () => {
      // The destination's existence check lies, as registries behind Harbor's "blob unknown" failures do.
      const forgetful = Object.assign(Object.create(remote) as RemoteEndpoint, { hasBlob: async () => true });
      const image = await admin.pushImage('library/fresh', 'v1', Buffer.from('a layer the remote never saw'));
      const result = await new Copier().copy(
        job({ destination: forgetful, sourceRepository: 'library/fresh', destinationRepository: 'mirror/fresh', digest: image.digest }),
      );
      assert.equal(result.blobsCopied, 2);
      assert.equal((await client.getManifest('mirror/fresh', 'v1'))?.digest, image.digest);
      assert.ok(lines.some((line) => line.includes('"blob unknown"')));
    });
  });
}
