import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { tar } from '../../artifacts/fixtures.suite.js';
import { ContentService, HARBOR_SBOM } from '../../content/index.js';
import { immutabilityGate } from '../../policies/immutability/index.js';
import { findProjectByName, quotaGate } from '../../projects/index.js';
import type { Repository } from '../../platform/db/index.js';
import { Metrics } from '../../platform/metrics/index.js';
import { Settings } from '../../platform/settings/index.js';
import { FreeSpaceGuard } from '../../platform/storage/index.js';
import { sha256, TestClient } from '../../testing/client.js';
import { testDialects } from '../../testing/dialects.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../testing/server.js';
import { everyTypeInventory } from './inventory.suite.js';
import { SPDX_SCHEMA, spdxValidator } from './spdx-schema.suite.js';
import { storeSbomAccessory, toSpdx, type SbomSubject } from './index.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const hasSkopeo = spawnSync('skopeo', ['--version']).status === 0;
const skopeoSkip = hasSkopeo || process.env.CI === 'true' ? false : 'skopeo is not installed (apt-get install skopeo)';

interface Referrers {
  manifests: { mediaType: string; digest: string; size: number; artifactType?: string; annotations?: Record<string, string> }[];
}
interface AccessoryJson {
  digest: string;
  type: string;
  subject_artifact_digest: string;
}

for (const dialect of testDialects()) {
  describe(`the SBOM stored as Harbor's sbom.harbor accessory (${dialect.name})`, () => {
    let server: TestServer;
    let content: ContentService;
    let client: TestClient;
    const validator = spdxValidator();

    before(async () => {
      server = await startTestServer(dialect);
      // The scanner's own content service on the server's database and storage: the push path without HTTP.
      content = new ContentService({
        config: server.config,
        database: server.database,
        storage: server.storage,
        space: new FreeSpaceGuard({ storage: server.storage, database: server.database, minFreeBytes: 0 }),
        clock: { now: () => Date.now() },
        metrics: new Metrics(),
        gates: { push: [immutabilityGate, quotaGate(new Settings(server.database, server.config))], pull: [] },
      });
      client = new TestClient(server.url);
    });
    after(() => server.close());

    /** An image pushed through content, as a scan would find it. */
    async function pushImage(name: string): Promise<{ repository: Repository; digest: string }> {
      const project = await findProjectByName(server.database.db, 'library');
      const repository = await content.ensureRepository(project!.id, name);
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
      const layer = gzipSync(tar({ 'etc/os-release': 'ID=alpine\nVERSION_ID=3.19.1\n', 'lib/apk/db/installed': `P:musl\nV:1.2.4-r4\n\n` }));
      for (const blob of [config, layer]) await content.putBlob(repository, sha256(blob), Readable.from([blob]));
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
        }),
      );
      const { digest } = await content.putManifest(repository, '1.0', manifest, OCI_MANIFEST, { name: 'admin' });
      return { repository, digest };
    }

    function documentFor(repository: Repository, digest: string, created: Date) {
      const subject: SbomSubject = { registryHost: new URL(server.url).host, repository: repository.name, digest, mediaType: OCI_MANIFEST, tag: '1.0' };
      return toSpdx(everyTypeInventory(), subject, { created, toolVersion: '0.1.0' });
    }

    async function referrers(name: string, digest: string): Promise<Referrers> {
      const res = await client.request('GET', `/v2/${name}/referrers/${digest}`);
      assert.equal(res.status, 200);
      return (await res.json()) as Referrers;
    }

    async function accessories(name: string, digest: string): Promise<AccessoryJson[]> {
      const res = await fetch(`${server.url}/api/v2.0/projects/library/repositories/${name.slice('library/'.length)}/artifacts/${digest}/accessories`);
      assert.equal(res.status, 200);
      return (await res.json()) as AccessoryJson[];
    }

    async function pull(path: string): Promise<Response> {
      return client.request('GET', path, { headers: { accept: OCI_MANIFEST } });
    }

    it('is listed by the referrers API and as an sbom.harbor accessory, and its layer pulls back as the SPDX document', async () => {
      const { repository, digest } = await pushImage('library/sbom-listed');
      const created = new Date('2025-05-06T07:08:09Z');
      const document = documentFor(repository, digest, created);
      const stored = await storeSbomAccessory({ content }, { repository, subject: digest, document, created });

      const { manifests } = await referrers(repository.name, digest);
      assert.deepEqual(manifests, [
        {
          mediaType: OCI_MANIFEST,
          digest: stored.digest,
          size: stored.size,
          artifactType: HARBOR_SBOM,
          annotations: {
            created: '2025-05-06T07:08:09Z',
            'created-by': 'Berth',
            'org.opencontainers.artifact.created': '2025-05-06T07:08:09Z',
            'org.opencontainers.artifact.description': 'SPDX JSON SBOM',
          },
        },
      ]);
      const listed = await accessories(repository.name, digest);
      assert.deepEqual(
        listed.map((a) => [a.digest, a.type, a.subject_artifact_digest]),
        [[stored.digest, 'sbom.harbor', digest]],
      );

      // The manifest as any client pulls it: Harbor's layout, subject and all.
      const res = await pull(`/v2/${repository.name}/manifests/${stored.digest}`);
      assert.equal(res.status, 200);
      const manifest = (await res.json()) as {
        config: { mediaType: string; digest: string };
        layers: { mediaType: string; digest: string; size: number }[];
        subject: { mediaType: string; digest: string; size: number };
      };
      assert.equal(manifest.config.mediaType, HARBOR_SBOM);
      assert.equal(manifest.layers.length, 1);
      assert.equal(manifest.layers[0]!.mediaType, 'application/vnd.oci.image.layer.v1.tar');
      const subjectManifest = await pull(`/v2/${repository.name}/manifests/${digest}`);
      assert.deepEqual(manifest.subject, { mediaType: OCI_MANIFEST, digest, size: Buffer.from(await subjectManifest.arrayBuffer()).length });

      const blob = await pull(`/v2/${repository.name}/blobs/${manifest.layers[0]!.digest}`);
      assert.equal(blob.status, 200);
      const bytes = Buffer.from(await blob.arrayBuffer());
      assert.deepEqual(bytes, Buffer.from(JSON.stringify(document)));
      if (validator) assert.ok(validator(JSON.parse(bytes.toString('utf8'))), JSON.stringify(validator.errors?.slice(0, 3)));
      else assert.notEqual(process.env.CI, 'true', `the SPDX schema is missing at ${SPDX_SCHEMA}`);

      // Harbor's API serves the document as the SBOM accessory's `sbom` addition.
      const addition = await fetch(`${server.url}/api/v2.0/projects/library/repositories/sbom-listed/artifacts/${stored.digest}/additions/sbom`);
      assert.equal(addition.status, 200);
      assert.equal(addition.headers.get('content-type'), HARBOR_SBOM);
      assert.deepEqual(Buffer.from(await addition.arrayBuffer()), bytes);
      const onImage = await fetch(`${server.url}/api/v2.0/projects/library/repositories/sbom-listed/artifacts/${digest}/additions/sbom`);
      assert.equal(onImage.status, 404, 'an image has no sbom addition of its own');
    });

    it('a second generation replaces the first, and deleting the image deletes its SBOM', async () => {
      const { repository, digest } = await pushImage('library/sbom-replaced');
      const first = await storeSbomAccessory(
        { content },
        { repository, subject: digest, document: documentFor(repository, digest, new Date('2025-01-01T00:00:00Z')), created: new Date('2025-01-01T00:00:00Z') },
      );
      const second = await storeSbomAccessory(
        { content },
        { repository, subject: digest, document: documentFor(repository, digest, new Date('2025-02-01T00:00:00Z')), created: new Date('2025-02-01T00:00:00Z') },
      );
      assert.notEqual(first.digest, second.digest);
      assert.deepEqual(
        (await referrers(repository.name, digest)).manifests.map((m) => m.digest),
        [second.digest],
      );
      assert.deepEqual(
        (await accessories(repository.name, digest)).map((a) => a.digest),
        [second.digest],
      );
      assert.equal((await pull(`/v2/${repository.name}/manifests/${first.digest}`)).status, 404);

      // Storing the very same document again keeps the one accessory.
      const again = await storeSbomAccessory(
        { content },
        { repository, subject: digest, document: documentFor(repository, digest, new Date('2025-02-01T00:00:00Z')), created: new Date('2025-02-01T00:00:00Z') },
      );
      assert.equal(again.digest, second.digest);
      assert.deepEqual(
        (await accessories(repository.name, digest)).map((a) => a.digest),
        [second.digest],
      );

      const res = await client.request('DELETE', `/v2/${repository.name}/manifests/${digest}`);
      assert.equal(res.status, 202);
      assert.equal((await pull(`/v2/${repository.name}/manifests/${second.digest}`)).status, 404);
      const left = await server.database.db.selectFrom('artifacts').select('digest').where('repository_id', '=', repository.id).execute();
      assert.deepEqual(left, []);
    });

    it('refuses an SBOM for a manifest the repository does not hold, storing nothing', async () => {
      const { repository } = await pushImage('library/sbom-missing');
      const missing = sha256('no such manifest');
      const created = new Date();
      await assert.rejects(storeSbomAccessory({ content }, { repository, subject: missing, document: documentFor(repository, missing, created), created }), {
        kind: 'not-found',
      });
      const rows = await server.database.db.selectFrom('artifacts').select('id').where('repository_id', '=', repository.id).execute();
      assert.equal(rows.length, 1);
    });

    it('skopeo copies the SBOM out like any OCI artifact', { skip: skopeoSkip, timeout: 60_000 }, async () => {
      const { repository, digest } = await pushImage('library/sbom-skopeo');
      const created = new Date('2025-03-03T03:03:03Z');
      const document = documentFor(repository, digest, created);
      const stored = await storeSbomAccessory({ content }, { repository, subject: digest, document, created });
      const dir = mkdtempSync(join(tmpdir(), 'berth-sbom-skopeo-'));
      try {
        await promisify(execFile)('skopeo', [
          'copy',
          '--src-tls-verify=false',
          '--src-creds',
          `admin:${ADMIN_PASSWORD}`,
          `docker://${new URL(server.url).host}/${repository.name}@${stored.digest}`,
          `dir:${join(dir, 'out')}`,
        ]);
        const manifest = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8')) as { layers: { digest: string }[] };
        const layer = readFileSync(join(dir, 'out', manifest.layers[0]!.digest.slice('sha256:'.length)));
        assert.deepEqual(layer, Buffer.from(JSON.stringify(document)));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
