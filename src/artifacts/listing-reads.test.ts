import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { backfillFacts, MAX_EXTRA_ATTRS_BYTES } from '../content/index.js';
import { parseDigest } from '../platform/lib/digest.js';
import { blobPath, type ByteRange } from '../platform/storage/index.js';
import { api, expectJson } from '../testing/api.js';
import { TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { ForwardingStorage } from '../testing/forwarding-storage.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { ALL_FLAGS, MANY, pushListingFixtures } from './listing.suite.js';

/** The filesystem driver, counting what reads content or metadata. */
class CountingStorage extends ForwardingStorage {
  reads = 0;
  override stat(path: string): Promise<{ size: number } | undefined> {
    this.reads++;
    return super.stat(path);
  }
  override read(path: string, range?: ByteRange): Promise<Readable> {
    this.reads++;
    return super.read(path, range);
  }
  override getContent(path: string): Promise<Buffer> {
    this.reads++;
    return super.getContent(path);
  }
}

interface ArtifactJson {
  id: number;
  type: string;
  media_type: string;
  artifact_type: string;
  digest: string;
  extra_attrs: Record<string, unknown>;
  annotations: Record<string, string>;
  references: Array<{
    parent_id: number;
    child_id: number;
    child_digest: string;
    platform: Record<string, unknown> | null;
    urls: string[] | null;
    annotations: Record<string, string>;
  }>;
  tags?: Array<{ name: string }>;
  accessories?: Array<{ type: string; digest: string; subject_artifact_id: number }>;
  addition_links: Record<string, unknown>;
}

const REPO = '/projects/library/repositories/many';
const KINDS = ['IMAGE', 'CHART', 'SBOM', 'SIGNATURE', 'UNKNOWN'] as const;

for (const dialect of testDialects()) {
  describe(`artifact listings read only the database (${dialect.name})`, () => {
    let server: TestServer;
    let storage: CountingStorage;
    let client: TestClient;

    before(async () => {
      server = await startTestServer(dialect, {}, undefined, {
        storage: (driver) => (storage = new CountingStorage(driver)),
      });
      client = new TestClient(server.url);
      const { count } = await pushListingFixtures(client);
      assert.equal(count, 100);
    });
    after(() => server.close());

    const get = async <T>(path: string): Promise<{ body: T; total: string | null }> => {
      const res = await api(server.url, 'GET', path);
      return { body: await expectJson<T>(res, 200), total: res.headers.get('x-total-count') };
    };

    /** Every listing-like answer, with how many storage reads they took together. */
    async function everything() {
      // Every artifact, accessories and index children too.
      const base = `q=${encodeURIComponent('base=*')}`;
      const before = storage.reads;
      const repository = await get<ArtifactJson[]>(`${REPO}/artifacts?page_size=100&${base}&${ALL_FLAGS}`);
      const project = await get<ArtifactJson[]>(`/projects/library/artifacts?page_size=100&${base}&${ALL_FLAGS}`);
      const latest = await get<ArtifactJson[]>(`/projects/library/artifacts?page_size=100&latest_in_repository=true&${base}&${ALL_FLAGS}`);
      const index = await get<ArtifactJson>(`${REPO}/artifacts/multi?${ALL_FLAGS}`);
      const image = await get<ArtifactJson>(`${REPO}/artifacts/amd64?${ALL_FLAGS}`);
      const accessories = await get<Array<{ type: string }>>(`${REPO}/artifacts/amd64/accessories`);
      const byKind: Record<string, { body: ArtifactJson[]; total: string | null }> = {};
      for (const kind of KINDS)
        byKind[kind] = await get<ArtifactJson[]>(`${REPO}/artifacts?page_size=100&q=${encodeURIComponent(`type=${kind},base=*`)}&${ALL_FLAGS}`);
      return { reads: storage.reads - before, repository, project, latest, index, image, accessories, byKind };
    }

    let persisted: Awaited<ReturnType<typeof everything>>;

    it('lists 100 artifacts with every with_* flag, and details and accessories, without a storage read', async () => {
      persisted = await everything();
      assert.equal(persisted.reads, 0);
      const list = persisted.repository.body;
      assert.equal(persisted.repository.total, '100');
      assert.equal(list.length, 100);
      assert.equal(persisted.project.body.length, 100);
      const byTag = (name: string) => list.find((a) => a.tags?.some((t) => t.name === name));

      const amd = byTag('amd64')!;
      const arm = byTag('arm64')!;
      assert.equal(amd.type, 'IMAGE');
      assert.equal(amd.media_type, 'application/vnd.oci.image.config.v1+json');
      assert.equal(amd.artifact_type, 'application/vnd.oci.image.config.v1+json');
      assert.deepEqual(amd.extra_attrs, { architecture: 'amd64', config: { Env: ['PATH=/usr/bin'] }, os: 'linux' });
      assert.deepEqual(amd.references, []);
      assert.deepEqual(amd.accessories?.map((a) => a.type).sort(), ['signature.cosign', 'subject.accessory']);
      assert.ok(amd.accessories?.every((a) => a.subject_artifact_id === amd.id));
      assert.deepEqual(Object.keys(amd.addition_links), ['build_history', 'vulnerabilities']);

      const multi = byTag('multi')!;
      assert.equal(multi.type, 'IMAGE');
      assert.equal(multi.media_type, 'application/vnd.oci.image.index.v1+json');
      assert.equal(multi.artifact_type, 'application/vnd.oci.image.index.v1+json');
      assert.deepEqual(multi.extra_attrs, {});
      assert.deepEqual(multi.annotations, { 'org.opencontainers.image.source': 'https://example.invalid/src' });
      assert.deepEqual(multi.references, [
        {
          parent_id: multi.id,
          child_id: amd.id,
          child_digest: amd.digest,
          platform: { architecture: 'amd64', os: 'linux' },
          urls: null,
          annotations: { 'com.example.built': 'yes' },
        },
        {
          parent_id: multi.id,
          child_id: arm.id,
          child_digest: arm.digest,
          platform: { architecture: 'arm64', os: 'linux', variant: 'v8', 'os.version': '6.1', 'os.features': ['sse4'] },
          urls: ['https://mirror.example.invalid/arm64'],
          annotations: {},
        },
      ]);
      assert.deepEqual(persisted.index.body, multi);
      assert.deepEqual(persisted.image.body, amd);

      const chart = byTag('chart-0.1.0')!;
      assert.equal(chart.type, 'CHART');
      assert.equal(chart.media_type, 'application/vnd.cncf.helm.config.v1+json');
      assert.deepEqual(chart.extra_attrs, { apiVersion: 'v2', name: 'mychart', version: '0.1.0' });
      assert.deepEqual(Object.keys(chart.addition_links).sort(), ['dependencies', 'readme.md', 'values.yaml']);

      const signature = list.find((a) => a.type === 'SIGNATURE')!;
      const sbom = list.find((a) => a.type === 'SBOM')!;
      assert.deepEqual(amd.accessories?.map((a) => a.digest).sort(), [signature.digest, sbom.digest].sort());
      assert.equal(sbom.artifact_type, 'application/spdx+json');
      assert.equal(sbom.media_type, 'application/vnd.oci.empty.v1+json');

      const thing = byTag('thing')!;
      assert.equal(thing.type, 'UNKNOWN');
      assert.deepEqual(thing.extra_attrs, {});
      assert.deepEqual(thing.annotations, { 'org.example.note': 'unknown kind' });

      // Nine indexes with one child each, plus the two-platform one.
      assert.equal(list.filter((a) => a.references.length > 0).length, 10);
      assert.deepEqual(persisted.accessories.body.map((a) => a.type).sort(), ['signature.cosign', 'subject.accessory']);

      // The type filter is a condition in SQL, counted and paged there.
      const totals = Object.fromEntries(KINDS.map((k) => [k, persisted.byKind[k]!.total]));
      assert.deepEqual(totals, { IMAGE: '96', CHART: '1', SBOM: '1', SIGNATURE: '1', UNKNOWN: '1' });
      for (const kind of KINDS) assert.ok(persisted.byKind[kind]!.body.every((a) => a.type === kind));
      const second = await get<ArtifactJson[]>(`${REPO}/artifacts?page_size=10&page=2&q=${encodeURIComponent('type=IMAGE')}`);
      assert.equal(second.total, '96');
      assert.deepEqual(
        second.body.map((a) => a.id),
        persisted.byKind.IMAGE!.body.slice(10, 20).map((a) => a.id),
      );
    });

    it('rows pushed before the facts were kept list as before from storage, and the backfill fills them once', async () => {
      // As the migration leaves rows pushed before it.
      await server.database.db
        .updateTable('artifacts')
        .set({ type: null, config_media_type: null, extra_attrs: null, accessory_type: null, index_references: null })
        .execute();
      const fromStorage = await everything();
      assert.ok(fromStorage.reads > 0);
      assert.deepEqual(fromStorage.repository, persisted.repository);
      assert.deepEqual(fromStorage.project, persisted.project);
      assert.deepEqual(fromStorage.index, persisted.index);
      assert.deepEqual(fromStorage.image, persisted.image);
      assert.deepEqual(fromStorage.accessories, persisted.accessories);

      const filled = await backfillFacts(server.database, storage, { batchSize: 7 });
      const total = await server.database.db
        .selectFrom('artifacts')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.deepEqual(filled, { filled: Number(total.n), skipped: 0 });
      const again = await everything();
      assert.equal(again.reads, 0);
      assert.deepEqual({ ...again, reads: 0 }, { ...persisted, reads: 0 });
      // Idempotent: nothing left to fill, nothing read.
      const reads = storage.reads;
      assert.deepEqual(await backfillFacts(server.database, storage), { filled: 0, skipped: 0 });
      assert.equal(storage.reads, reads);
    });

    it('a copy keeps the facts: the target lists without a storage read', async () => {
      const multi = persisted.index.body;
      const res = await api(server.url, 'POST', `/projects/library/repositories/copied/artifacts?from=${encodeURIComponent(`${MANY}@${multi.digest}`)}`);
      assert.equal(res.status, 201, await res.text());
      const before = storage.reads;
      const { body } = await get<ArtifactJson[]>(`/projects/library/repositories/copied/artifacts?page_size=100&q=${encodeURIComponent('base=*')}&${ALL_FLAGS}`);
      assert.equal(storage.reads - before, 0);
      const copy = body.find((a) => a.digest === multi.digest)!;
      const children = new Map(body.map((a) => [a.digest, a.id]));
      assert.deepEqual(
        copy.references,
        multi.references.map((r) => ({ ...r, parent_id: copy.id, child_id: children.get(r.child_digest) })),
      );
      assert.deepEqual(copy.extra_attrs, multi.extra_attrs);
      assert.equal(copy.type, 'IMAGE');
    });

    it('keeps a bounded extra_attrs from a huge config, and a config that is not JSON fails no push', async () => {
      const config = Buffer.from(
        JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Env: [`HUGE=${'x'.repeat(64 * 1024)}`] }, rootfs: { type: 'layers', diff_ids: [] } }),
      );
      await client.pushArtifact('library/odd', 'huge', {
        config: { data: config, mediaType: 'application/vnd.oci.image.config.v1+json' },
        layers: [{ data: Buffer.from('huge layer'), mediaType: 'application/vnd.oci.image.layer.v1.tar' }],
      });
      await client.pushArtifact('library/odd', 'garbled', {
        config: { data: Buffer.from('not json {'), mediaType: 'application/vnd.oci.image.config.v1+json' },
        layers: [{ data: Buffer.from('garbled layer'), mediaType: 'application/vnd.oci.image.layer.v1.tar' }],
      });
      const row = await server.database.db
        .selectFrom('artifacts')
        .innerJoin('tags', 'tags.artifact_id', 'artifacts.id')
        .select('artifacts.extra_attrs')
        .where('tags.name', '=', 'huge')
        .executeTakeFirstOrThrow();
      assert.ok(Buffer.byteLength(row.extra_attrs ?? '') <= MAX_EXTRA_ATTRS_BYTES);
      const before = storage.reads;
      const { body } = await get<ArtifactJson[]>(`/projects/library/repositories/odd/artifacts?${ALL_FLAGS}`);
      assert.equal(storage.reads - before, 0);
      const byTag = (name: string) => body.find((a) => a.tags?.some((t) => t.name === name))!;
      assert.deepEqual(byTag('huge').extra_attrs, { architecture: 'amd64', os: 'linux' });
      assert.equal(byTag('garbled').type, 'IMAGE');
      assert.deepEqual(byTag('garbled').extra_attrs, {});

      // A row the backfill cannot read stays unfilled; the backfill (and so the start) goes on.
      const garbled = byTag('garbled');
      await server.database.db.updateTable('artifacts').set({ type: null, extra_attrs: null }).where('id', '=', garbled.id).execute();
      await storage.delete(blobPath(parseDigest(garbled.digest)));
      assert.deepEqual(await backfillFacts(server.database, storage), { filled: 0, skipped: 1 });
    });
  });
}
