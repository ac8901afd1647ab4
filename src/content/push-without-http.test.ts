import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { tar, CHART_YAML, VALUES_YAML } from '../artifacts/fixtures.suite.js';
import { immutabilityGate } from '../policies/immutability/index.js';
import { findProjectByName, quotaGate } from '../projects/index.js';
import { FreeSpaceGuard } from '../platform/storage/index.js';
import { Settings } from '../platform/settings/index.js';
import { Metrics } from '../platform/metrics/index.js';
import { sha256, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { ContentService } from './index.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

for (const dialect of testDialects()) {
  describe(`the push path without HTTP (${dialect.name})`, () => {
    let server: TestServer;
    let content: ContentService;

    before(async () => {
      server = await startTestServer(dialect);
      // A content service of its own on the same database and storage: no request object, no route.
      content = new ContentService({
        config: server.config,
        database: server.database,
        storage: server.storage,
        space: new FreeSpaceGuard({ storage: server.storage, database: server.database, minFreeBytes: server.config.storage.minFreeMegabytes * 1024 * 1024 }),
        clock: { now: () => Date.now() },
        metrics: new Metrics(),
        gates: { push: [immutabilityGate, quotaGate(new Settings(server.database, server.config))], pull: [] },
      });
    });
    after(() => server.close());

    async function pushArtifact(name: string, tag: string, config: { data: Buffer; mediaType: string }, layer: { data: Buffer; mediaType: string }) {
      const project = await findProjectByName(server.database.db, 'library');
      const repository = await content.ensureRepository(project!.id, name);
      for (const blob of [config.data, layer.data]) {
        const stored = await content.putBlob(repository, sha256(blob), Readable.from([blob]));
        assert.equal(stored.size, blob.length);
      }
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: config.mediaType, digest: sha256(config.data), size: config.data.length },
          layers: [{ mediaType: layer.mediaType, digest: sha256(layer.data), size: layer.data.length }],
        }),
      );
      const { digest } = await content.putManifest(repository, tag, manifest, OCI_MANIFEST, { name: 'replicator' });
      assert.equal(digest, sha256(manifest));
      return { manifest, digest };
    }

    it('an image and a chart pushed through content pull back over /v2/ byte for byte', async () => {
      const imageConfig = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
      const imageLayer = gzipSync(tar({ 'etc/motd': 'hello from content\n' }));
      const image = await pushArtifact(
        'library/direct-image',
        '1.0',
        { data: imageConfig, mediaType: 'application/vnd.oci.image.config.v1+json' },
        { data: imageLayer, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' },
      );
      const chartConfig = Buffer.from(JSON.stringify({ apiVersion: 'v2', name: 'mychart', version: '0.1.0' }));
      const chartLayer = gzipSync(tar({ 'mychart/Chart.yaml': CHART_YAML, 'mychart/values.yaml': VALUES_YAML }));
      const chart = await pushArtifact(
        'library/direct-chart',
        '0.1.0',
        { data: chartConfig, mediaType: 'application/vnd.cncf.helm.config.v1+json' },
        { data: chartLayer, mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip' },
      );

      const client = new TestClient(server.url);
      const pulled = async (path: string) => {
        const res = await client.request('GET', path, { headers: { accept: OCI_MANIFEST } });
        assert.equal(res.status, 200, path);
        return Buffer.from(await res.arrayBuffer());
      };
      for (const [name, tag, pushed, blobs] of [
        ['library/direct-image', '1.0', image, [imageConfig, imageLayer]],
        ['library/direct-chart', '0.1.0', chart, [chartConfig, chartLayer]],
      ] as const) {
        assert.deepEqual(await pulled(`/v2/${name}/manifests/${tag}`), pushed.manifest);
        for (const blob of blobs) assert.deepEqual(await pulled(`/v2/${name}/blobs/${sha256(blob)}`), blob);
      }
      // The artifact API sees them as any pushed artifact: an image and a chart.
      const res = await fetch(`${server.url}/api/v2.0/projects/library/repositories/direct-chart/artifacts/0.1.0`);
      assert.equal(((await res.json()) as { type: string }).type, 'CHART');
    });

    it('refuses a manifest whose blobs were never pushed, with a domain error and nothing stored', async () => {
      const project = await findProjectByName(server.database.db, 'library');
      const repository = await content.ensureRepository(project!.id, 'library/direct-broken');
      const missing = Buffer.from('never pushed');
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(missing), size: missing.length },
          layers: [],
        }),
      );
      await assert.rejects(content.putManifest(repository, 'v1', manifest, OCI_MANIFEST, { name: 'replicator' }), {
        name: 'Error',
        kind: 'not-found',
        subject: 'reference',
      });
      const rows = await server.database.db.selectFrom('artifacts').select('id').where('repository_id', '=', repository.id).execute();
      assert.equal(rows.length, 0);
    });
  });
}
