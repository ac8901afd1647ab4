import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../testing/api.js';
import { TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { assertMatchesHarbor, checkHarbor, harborSchemaAvailable } from '../testing/harbor-schema.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { pushChart, pushImageWithHistory, pushIndex, pushReferrer, README, VALUES_YAML } from './fixtures.suite.js';

interface ArtifactJson {
  id: number;
  type: string;
  media_type: string;
  manifest_media_type: string;
  artifact_type: string;
  digest: string;
  repository_name: string;
  extra_attrs: Record<string, unknown>;
  references: Array<{ parent_id: number; child_id: number; child_digest: string; platform: { architecture: string; os: string; variant?: string }; urls: null }>;
  tags?: Array<{ name: string; artifact_id: number; immutable: boolean }>;
  labels?: unknown[];
  addition_links: Record<string, { href: string; absolute: boolean }>;
  accessories?: Array<{ type: string; subject_artifact_id: number; subject_artifact_digest: string; digest: string }>;
}

/**
 * Harbor's own responses differ from its swagger in two places, and Berth sends what
 * Harbor sends: extra_attrs values are strings (the swagger says objects) and a reference's
 * urls is null.
 */
function assertLikeHarborArtifacts(value: unknown): void {
  const { errors } = checkHarbor('Artifact', value, { array: true });
  const real = errors.filter((e) => !/\.extra_attrs\.\w+: expected object/.test(e) && !/\.urls: expected array, got null/.test(e));
  assert.deepEqual(real, []);
}

const APP = '/projects/library/repositories/app';
const CHART = '/projects/library/repositories/charts%252Fmychart';

for (const dialect of testDialects()) {
  describe(`artifacts API (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;
    let v1: { digest: string; size: number };
    let v2: { digest: string; size: number };
    let index: string;
    let cosign: string;
    let sbom: string;
    let chart: string;
    const get = <T>(path: string) => api(server.url, 'GET', path).then((res) => expectJson<T>(res, 200));

    before(async () => {
      server = await startTestServer(dialect);
      client = new TestClient(server.url);
      v1 = await pushImageWithHistory(client, 'library/app', 'v1', 'amd64');
      v2 = await pushImageWithHistory(client, 'library/app', 'v2', 'arm64');
      index = (
        await pushIndex(client, 'library/app', 'multi', [
          { ...v1, architecture: 'amd64' },
          { ...v2, architecture: 'arm64' },
        ])
      ).digest;
      cosign = (await pushReferrer(client, 'library/app', v1, 'cosign')).digest;
      sbom = (await pushReferrer(client, 'library/app', v1, 'sbom')).digest;
      chart = (await pushChart(client, 'library/charts/mychart', '0.1.0')).digest;
      const empty = await client.pushBlob('library/misc', Buffer.from('{"x":1}'));
      await client.pushManifest('library/misc', 'latest', {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.example.thing.config.v1+json', digest: empty, size: 7 },
        layers: [],
      });
    });
    after(() => server.close());

    it('lists the repositories of a project with paging, q and sort', async () => {
      const res = await api(server.url, 'GET', '/projects/library/repositories?page_size=2&sort=name');
      const page = await expectJson<Array<{ name: string; artifact_count: number; project_id: number }>>(res, 200);
      assert.equal(res.headers.get('x-total-count'), '3');
      assert.match(res.headers.get('link') ?? '', /page=2.*rel="next"/);
      assert.deepEqual(
        page.map((r) => r.name),
        ['library/app', 'library/charts/mychart'],
      );
      // v1, v2 (children with tags of their own) and the index; the signature and the SBOM are accessories.
      assert.equal(page[0]!.artifact_count, 3);
      if (harborSchemaAvailable()) assertMatchesHarbor('Repository', page, { array: true });
      const fuzzy = await get<Array<{ name: string }>>('/projects/library/repositories?q=name%3D~chart');
      assert.deepEqual(
        fuzzy.map((r) => r.name),
        ['library/charts/mychart'],
      );
      const all = await get<Array<{ name: string }>>('/repositories?sort=-name');
      assert.deepEqual(
        all.map((r) => r.name),
        ['library/misc', 'library/charts/mychart', 'library/app'],
      );
      const bad = await api(server.url, 'GET', '/projects/library/repositories?sort=size');
      assert.equal(bad.status, 400);
    });

    it('reads and updates a repository whose name holds a slash (escaped twice, as Harbor does)', async () => {
      const repo = await get<{ name: string; description: string; artifact_count: number }>(CHART);
      assert.equal(repo.name, 'library/charts/mychart');
      assert.equal(repo.artifact_count, 1);
      const put = await api(server.url, 'PUT', CHART, { body: { description: 'charts for tests' } });
      assert.equal(put.status, 200);
      assert.equal((await get<{ description: string }>(CHART)).description, 'charts for tests');
      const invalid = await api(server.url, 'PUT', CHART, { body: { description: 42 } });
      assert.equal(invalid.status, 400);
      assert.match(await invalid.text(), /description/);
      assert.equal((await api(server.url, 'GET', '/projects/library/repositories/nope')).status, 404);
    });

    it('lists artifacts with types, tags, filters and paging', async () => {
      // Every artifact, accessories too (q=base=*), for their types.
      const res = await api(server.url, 'GET', `${APP}/artifacts?page_size=10&q=${encodeURIComponent('base=*')}`);
      const list = await expectJson<ArtifactJson[]>(res, 200);
      assert.equal(res.headers.get('x-total-count'), '5');
      const byDigest = new Map(list.map((a) => [a.digest, a]));
      assert.equal(byDigest.get(v1.digest)?.type, 'IMAGE');
      assert.equal(byDigest.get(index)?.type, 'IMAGE');
      assert.equal(byDigest.get(cosign)?.type, 'SIGNATURE');
      assert.equal(byDigest.get(sbom)?.type, 'SBOM');
      assert.deepEqual(
        byDigest.get(v1.digest)?.tags?.map((t) => t.name),
        ['v1'],
      );
      assert.equal(list[0]!.digest, sbom, 'newest push first');
      if (harborSchemaAvailable()) assertLikeHarborArtifacts(list);

      const tagged = await get<ArtifactJson[]>(`${APP}/artifacts?q=${encodeURIComponent('tags=~v')}`);
      assert.deepEqual(tagged.map((a) => a.digest).sort(), [v1.digest, v2.digest].sort());
      const images = await api(server.url, 'GET', `${APP}/artifacts?q=type%3DIMAGE&page_size=2`);
      assert.equal(images.headers.get('x-total-count'), '3');
      assert.equal((await expectJson<ArtifactJson[]>(images, 200)).length, 2);
      const one = await get<ArtifactJson[]>(`${APP}/artifacts?q=digest%3D${v2.digest}&with_tag=false`);
      assert.equal(one.length, 1);
      assert.equal(one[0]!.tags, undefined);
      assert.equal((await api(server.url, 'GET', `${APP}/artifacts?q=size%3D1`)).status, 400);
      assert.equal((await api(server.url, 'GET', `${APP}/artifacts?with_tag=maybe`)).status, 400);
    });

    it('describes an image: config attributes, build history, accessories, labels', async () => {
      const image = await get<ArtifactJson>(`${APP}/artifacts/v1?with_accessory=true&with_label=true`);
      assert.equal(image.media_type, 'application/vnd.oci.image.config.v1+json');
      assert.equal(image.manifest_media_type, 'application/vnd.oci.image.manifest.v1+json');
      assert.equal(image.extra_attrs.architecture, 'amd64');
      assert.equal(image.extra_attrs.os, 'linux');
      assert.deepEqual(image.extra_attrs.config, { Env: ['PATH=/usr/bin'] });
      assert.deepEqual(image.labels, []);
      assert.deepEqual(image.addition_links, {
        build_history: { href: `/api/v2.0${APP}/artifacts/${v1.digest}/additions/build_history`, absolute: false },
        vulnerabilities: { href: `/api/v2.0${APP}/artifacts/${v1.digest}/additions/vulnerabilities`, absolute: false },
      });
      const accessories = new Map(image.accessories?.map((a) => [a.digest, a]));
      assert.equal(accessories.get(cosign)?.type, 'signature.cosign');
      assert.equal(accessories.get(sbom)?.type, 'subject.accessory');
      assert.equal(accessories.get(cosign)?.subject_artifact_id, image.id);
      const history = await get<Array<{ created_by: string }>>(`${APP}/artifacts/${v1.digest}/additions/build_history`);
      assert.deepEqual(
        history.map((h) => h.created_by),
        ['/bin/sh -c #(nop) ADD file', 'RUN make'],
      );
      assert.equal((await api(server.url, 'GET', `${APP}/artifacts/v1/additions/values.yaml`)).status, 404);
    });

    it('describes an index with the platforms of its children', async () => {
      const multi = await get<ArtifactJson>(`${APP}/artifacts/multi`);
      const v1Id = (await get<ArtifactJson>(`${APP}/artifacts/${v1.digest}`)).id;
      assert.equal(multi.digest, index);
      assert.deepEqual(
        multi.references.map((r) => ({ parent: r.parent_id, child: r.child_digest, arch: r.platform.architecture, variant: r.platform.variant, urls: r.urls })),
        [
          { parent: multi.id, child: v1.digest, arch: 'amd64', variant: undefined, urls: null },
          { parent: multi.id, child: v2.digest, arch: 'arm64', variant: 'v8', urls: null },
        ],
      );
      assert.equal(multi.references[0]!.child_id, v1Id);
    });

    it('describes a chart and serves its values, readme and dependencies', async () => {
      const described = await get<ArtifactJson>(`${CHART}/artifacts/0.1.0`);
      assert.equal(described.type, 'CHART');
      assert.equal(described.digest, chart);
      assert.equal(described.extra_attrs.name, 'mychart');
      assert.deepEqual(Object.keys(described.addition_links).sort(), ['dependencies', 'readme.md', 'values.yaml']);
      assert.equal(described.addition_links['values.yaml']!.href, `/api/v2.0${CHART}/artifacts/${chart}/additions/values.yaml`);
      const values = await api(server.url, 'GET', `${CHART}/artifacts/0.1.0/additions/values.yaml`);
      assert.equal(values.status, 200);
      assert.match(values.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(await values.text(), VALUES_YAML);
      const readme = await api(server.url, 'GET', `${CHART}/artifacts/0.1.0/additions/readme.md`);
      assert.equal(await readme.text(), README);
      const deps = await get<Array<{ name: string; version: string; repository: string }>>(`${CHART}/artifacts/0.1.0/additions/dependencies`);
      assert.deepEqual(deps, [{ name: 'redis', version: '17.0.0', repository: 'https://charts.example.invalid' }]);
      assert.equal((await api(server.url, 'GET', `${CHART}/artifacts/0.1.0/additions/build_history`)).status, 404);
    });

    it('reports an artifact of an unknown kind as UNKNOWN, without additions', async () => {
      const misc = await get<ArtifactJson>('/projects/library/repositories/misc/artifacts/latest');
      assert.equal(misc.type, 'UNKNOWN');
      assert.deepEqual(misc.addition_links, {});
      assert.equal((await api(server.url, 'GET', '/projects/library/repositories/misc/artifacts/latest/additions/build_history')).status, 404);
    });

    it('creates, moves, lists and deletes tags', async () => {
      const tags = (path: string) => get<Array<{ name: string; immutable: boolean }>>(path).then((t) => t.map((x) => x.name).sort());
      assert.equal((await api(server.url, 'POST', `${APP}/artifacts/v1/tags`, { body: { name: 'stable' } })).status, 201);
      assert.deepEqual(await tags(`${APP}/artifacts/${v1.digest}/tags`), ['stable', 'v1']);
      const again = await api(server.url, 'POST', `${APP}/artifacts/v1/tags`, { body: { name: 'stable' } });
      assert.equal(again.status, 409);
      // A tag held by another artifact moves, as a push of it would.
      assert.equal((await api(server.url, 'POST', `${APP}/artifacts/${v2.digest}/tags`, { body: { name: 'stable' } })).status, 201);
      assert.deepEqual(await tags(`${APP}/artifacts/${v1.digest}/tags`), ['v1']);
      assert.deepEqual(await tags(`${APP}/artifacts/${v2.digest}/tags`), ['stable', 'v2']);
      const pulled = await client.request('GET', `/v2/library/app/manifests/stable`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
      assert.equal(pulled.headers.get('docker-content-digest'), v2.digest);
      assert.equal((await api(server.url, 'POST', `${APP}/artifacts/v2/tags`, { body: { name: 'bad tag' } })).status, 400);
      assert.equal((await api(server.url, 'POST', `${APP}/artifacts/v2/tags`, { body: {} })).status, 400);

      assert.equal((await api(server.url, 'DELETE', `${APP}/artifacts/v1/tags/stable`)).status, 404, 'stable is not on v1');
      assert.equal((await api(server.url, 'DELETE', `${APP}/artifacts/v2/tags/stable`)).status, 200);
      assert.deepEqual(await tags(`${APP}/artifacts/${v2.digest}/tags`), ['v2']);
      const audit = await server.database.db.selectFrom('audit_logs').selectAll().where('resource_type', '=', 'tag').execute();
      assert.deepEqual(audit.map((a) => `${a.operation} ${a.resource}`).sort(), [
        'create library/app:stable',
        'create library/app:stable',
        'delete library/app:stable',
      ]);
    });

    it('refuses to delete an artifact an index lists, then deletes it once the index is gone', async () => {
      const refused = await api(server.url, 'DELETE', `${APP}/artifacts/${v1.digest}`);
      assert.equal(refused.status, 412);
      assert.match(await refused.text(), /index/);
      assert.equal((await api(server.url, 'GET', `${APP}/artifacts/${v1.digest}`)).status, 200);
      assert.equal((await api(server.url, 'DELETE', `${APP}/artifacts/multi`)).status, 200);
      assert.equal((await api(server.url, 'DELETE', `${APP}/artifacts/${v1.digest}`)).status, 200);
      assert.equal((await api(server.url, 'GET', `${APP}/artifacts/${v1.digest}`)).status, 404);
      assert.equal((await client.request('GET', `/v2/library/app/manifests/v1`)).status, 404);
      // v1's signature and SBOM went with it.
      assert.equal((await api(server.url, 'GET', `${APP}/artifacts/${cosign}`)).status, 404);
      assert.equal((await api(server.url, 'GET', `${APP}/artifacts/${sbom}`)).status, 404);
      const events = await server.database.db.selectFrom('events').select(['type', 'digest']).where('type', '=', 'DELETE_ARTIFACT').execute();
      assert.deepEqual(events.map((e) => e.digest).sort(), [index, v1.digest, cosign, sbom].sort());
      assert.equal((await api(server.url, 'DELETE', `${APP}/artifacts/sha256:nothex`)).status, 400);
    });

    it('deletes a repository with all its artifacts and tags', async () => {
      assert.equal((await api(server.url, 'DELETE', CHART)).status, 200);
      assert.equal((await api(server.url, 'GET', CHART)).status, 404);
      assert.equal((await client.request('GET', `/v2/library/charts/mychart/manifests/0.1.0`)).status, 404);
      const names = (await get<Array<{ name: string }>>('/projects/library/repositories')).map((r) => r.name);
      assert.ok(!names.includes('library/charts/mychart'));
      const audit = await server.database.db
        .selectFrom('audit_logs')
        .selectAll()
        .where('resource_type', '=', 'repository')
        .where('operation', '=', 'delete')
        .execute();
      assert.deepEqual(
        audit.map((a) => a.resource),
        ['library/charts/mychart'],
      );
    });
  });
}
