import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { createUser, hashPassword, ROLE_IDS } from '../auth/index.js';
import { createProject } from '../projects/index.js';
import { api, expectJson } from '../testing/api.js';
import { ADMIN, basic, OCI_MANIFEST, sha256, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { chartUploadForm, packageChart, provenance, type ChartSpec } from './fixtures.suite.js';

const PASSWORD = 'Passw0rd-for-charts';

interface HelmIndex {
  apiVersion: string;
  generated: string;
  entries: Record<string, Array<Record<string, unknown> & { version: string; digest: string; urls: string[]; created: string }>>;
}

for (const dialect of testDialects()) {
  describe(`classic Helm chart repository (${dialect.name})`, () => {
    let server: TestServer;
    const guest = basic('chart-guest', PASSWORD);
    const developer = basic('chart-dev', PASSWORD);
    const maintainer = basic('chart-maintainer', PASSWORD);
    const outsider = basic('chart-outsider', PASSWORD);
    const narrowed = basic('chart-narrowed', PASSWORD);

    before(async () => {
      server = await startTestServer(dialect);
      const db = server.database.db;
      const hash = await hashPassword(PASSWORD);
      const owner = await createUser(db, { username: 'chart-owner', passwordHash: hash, sysadmin: false, now: Date.now() });
      const project = await createProject(db, { name: 'helm', ownerId: owner.id, public: false, now: Date.now() });
      for (const [username, role] of [
        ['chart-guest', ROLE_IDS.guest],
        ['chart-dev', ROLE_IDS.developer],
        ['chart-maintainer', ROLE_IDS.maintainer],
      ] as const) {
        const user = await createUser(db, { username, passwordHash: hash, sysadmin: false, now: Date.now() });
        await db
          .insertInto('project_members')
          .values({ project_id: project.id, entity_type: 'u', entity_id: user.id, role, repository_patterns: null, created_at: 1, updated_at: 1 })
          .execute();
      }
      await createUser(db, { username: 'chart-outsider', passwordHash: hash, sysadmin: false, now: Date.now() });
      // A developer limited to repositories named team-*: charts of other names are not theirs to push.
      const limited = await createUser(db, { username: 'chart-narrowed', passwordHash: hash, sysadmin: false, now: Date.now() });
      await db
        .insertInto('project_members')
        .values({
          project_id: project.id,
          entity_type: 'u',
          entity_id: limited.id,
          role: ROLE_IDS.developer,
          repository_patterns: JSON.stringify(['team-*']),
          created_at: 1,
          updated_at: 1,
        })
        .execute();
    });
    after(() => server.close());

    /** What the ChartMuseum push plugin sends: a multipart POST to {repo}/api/charts, Basic credentials. */
    const upload = (project: string, chart: Buffer, spec: ChartSpec, options: { authorization?: string; prov?: Buffer; force?: boolean } = {}) =>
      fetch(`${server.url}/api/chartrepo/${project}/charts${options.force ? '?force' : ''}`, {
        method: 'POST',
        headers: { authorization: options.authorization ?? ADMIN },
        body: chartUploadForm(chart, `${spec.name}-${spec.version}.tgz`, options.prov),
      });

    /** What Helm's repository client does: GET {repo}/index.yaml with the repository's Basic credentials. */
    const fetchIndex = async (project: string, authorization = ADMIN): Promise<HelmIndex> => {
      const res = await fetch(`${server.url}/chartrepo/${project}/index.yaml`, { headers: { authorization } });
      assert.equal(res.status, 200, await res.clone().text());
      assert.match(res.headers.get('content-type') ?? '', /yaml/);
      return parseYaml(await res.text()) as HelmIndex;
    };

    /** A chart URL from the index, resolved against the repository URL as Helm resolves it. */
    const download = async (project: string, url: string, authorization = ADMIN) =>
      fetch(new URL(url, `${server.url}/chartrepo/${project}/`), { headers: { authorization } });

    it('stores an uploaded chart as an OCI chart, lists it in index.yaml and serves the same bytes both ways', async () => {
      const spec = { name: 'webapp', version: '1.2.0', appVersion: '2.4.1', description: 'The web app' };
      const chart = await packageChart(spec);
      const prov = provenance(spec, sha256(chart).slice('sha256:'.length));
      const res = await upload('helm', chart, spec, { prov });
      assert.equal(res.status, 201, await res.clone().text());
      assert.deepEqual(await res.json(), { saved: true });

      const index = await fetchIndex('helm');
      assert.equal(index.apiVersion, 'v1');
      assert.ok(!Number.isNaN(Date.parse(index.generated)));
      const [entry, ...others] = index.entries.webapp!;
      assert.equal(others.length, 0);
      assert.equal(entry!.name, 'webapp');
      assert.equal(entry!.version, '1.2.0');
      assert.equal(entry!.appVersion, '2.4.1');
      assert.equal(entry!.description, 'The web app');
      assert.equal(entry!.apiVersion, 'v2');
      assert.equal(entry!.type, 'application');
      assert.equal(entry!.icon, 'https://example.invalid/icon.png');
      assert.deepEqual(entry!.keywords, ['web', 'test']);
      assert.deepEqual(entry!.maintainers, [{ name: 'Berth tests', email: 'tests@example.invalid' }]);
      assert.deepEqual(entry!.dependencies, [{ name: 'redis', version: '17.0.0', repository: 'https://charts.example.invalid' }]);
      assert.equal(entry!.digest, sha256(chart).slice('sha256:'.length));
      assert.deepEqual(entry!.urls, ['charts/webapp-1.2.0.tgz']);
      assert.ok(!Number.isNaN(Date.parse(entry!.created)));

      const tgz = await download('helm', entry!.urls[0]!);
      assert.equal(tgz.status, 200);
      assert.deepEqual(Buffer.from(await tgz.arrayBuffer()), chart);
      const provRes = await download('helm', `${entry!.urls[0]!}.prov`);
      assert.equal(provRes.status, 200);
      assert.deepEqual(Buffer.from(await provRes.arrayBuffer()), prov);

      // Over /v2/: Helm's OCI layout, the archive as the chart layer, byte for byte.
      const client = new TestClient(server.url);
      const manifestRes = await client.request('GET', '/v2/helm/webapp/manifests/1.2.0', { headers: { accept: OCI_MANIFEST } });
      assert.equal(manifestRes.status, 200);
      const manifest = (await manifestRes.json()) as { config: { mediaType: string; digest: string }; layers: Array<{ mediaType: string; digest: string }> };
      assert.equal(manifest.config.mediaType, 'application/vnd.cncf.helm.config.v1+json');
      assert.deepEqual(
        manifest.layers.map((l) => [l.mediaType, l.digest]),
        [
          ['application/vnd.cncf.helm.chart.content.v1.tar+gzip', sha256(chart)],
          ['application/vnd.cncf.helm.chart.provenance.v1.prov', sha256(prov)],
        ],
      );
      const layer = await client.request('GET', `/v2/helm/webapp/blobs/${sha256(chart)}`);
      assert.deepEqual(Buffer.from(await layer.arrayBuffer()), chart);
      const config = (await (await client.request('GET', `/v2/helm/webapp/blobs/${manifest.config.digest}`)).json()) as Record<string, unknown>;
      assert.equal(config.name, 'webapp');
      assert.equal(config.version, '1.2.0');
      assert.equal(config.appVersion, '2.4.1');

      // The artifact API types it CHART, with Harbor's chart additions.
      const artifact = await expectJson<{ type: string; extra_attrs: Record<string, unknown> }>(
        await api(server.url, 'GET', '/projects/helm/repositories/webapp/artifacts/1.2.0'),
        200,
      );
      assert.equal(artifact.type, 'CHART');
      assert.equal(artifact.extra_attrs.name, 'webapp');
      const values = await api(server.url, 'GET', '/projects/helm/repositories/webapp/artifacts/1.2.0/additions/values.yaml');
      assert.match(await values.text(), /replicaCount: 1/);
      const readme = await api(server.url, 'GET', '/projects/helm/repositories/webapp/artifacts/1.2.0/additions/readme.md');
      assert.match(await readme.text(), /Installs webapp/);

      // The push went through the content push path: its event is in the outbox like any push.
      const events = await server.database.db.selectFrom('events').select(['type', 'operator']).where('repository', '=', 'helm/webapp').execute();
      assert.deepEqual(events, [{ type: 'PUSH_ARTIFACT', operator: 'admin' }]);
    });

    it('refuses an existing version with 409 unless forced, and lists versions newest first', async () => {
      const spec = { name: 'versions', version: '1.0.0' };
      const first = await packageChart(spec);
      assert.equal((await upload('helm', first, spec)).status, 201);
      const again = await upload('helm', first, spec);
      assert.equal(again.status, 409);
      assert.match(((await again.json()) as { error: string }).error, /already exists/);

      const replaced = await packageChart({ ...spec, description: 'replaced' });
      assert.equal((await upload('helm', replaced, spec, { force: true })).status, 201);
      for (const version of ['1.10.0', '1.2.0', '2.0.0-rc.1', '2.0.0']) {
        const next = { name: 'versions', version };
        assert.equal((await upload('helm', await packageChart(next), next)).status, 201);
      }
      const index = await fetchIndex('helm');
      assert.deepEqual(
        index.entries.versions!.map((e) => e.version),
        ['2.0.0', '2.0.0-rc.1', '1.10.0', '1.2.0', '1.0.0'],
      );
      const forced = index.entries.versions!.find((e) => e.version === '1.0.0')!;
      assert.equal(forced.digest, sha256(replaced).slice('sha256:'.length));
      assert.equal(forced.description, 'replaced');
      // The overwritten upload is gone, not left behind untagged.
      const artifacts = await expectJson<unknown[]>(await api(server.url, 'GET', '/projects/helm/repositories/versions/artifacts?page_size=50'), 200);
      assert.equal(artifacts.length, 5);
    });

    it('lists a chart pushed over /v2/ in index.yaml with its archive digest, and serves its archive', async () => {
      const spec = { name: 'ocichart', version: '0.3.0' };
      const chart = await packageChart(spec);
      const client = new TestClient(server.url);
      await client.pushArtifact('helm/ocichart', '0.3.0', {
        config: {
          data: Buffer.from(JSON.stringify({ name: 'ocichart', version: '0.3.0', apiVersion: 'v2', appVersion: '9.9' })),
          mediaType: 'application/vnd.cncf.helm.config.v1+json',
        },
        layers: [{ data: chart, mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip' }],
      });
      const entry = (await fetchIndex('helm')).entries.ocichart![0]!;
      assert.equal(entry.digest, sha256(chart).slice('sha256:'.length));
      assert.equal(entry.appVersion, '9.9');
      const res = await download('helm', entry.urls[0]!);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), chart);
      assert.equal((await download('helm', `${entry.urls[0]!}.prov`)).status, 404);
      // The version is taken, whichever way it came: a classic upload of it is a conflict.
      assert.equal((await upload('helm', chart, spec)).status, 409);
    });

    it('takes a provenance file on its own for a chart already here, and serves it beside the chart', async () => {
      const spec = { name: 'signed-later', version: '0.1.0' };
      const chart = await packageChart(spec);
      assert.equal((await upload('helm', chart, spec)).status, 201);
      const postProv = (prov: Buffer) => {
        const form = new FormData();
        form.append('prov', new Blob([new Uint8Array(prov)]), 'signed-later-0.1.0.tgz.prov');
        return fetch(`${server.url}/api/chartrepo/helm/prov`, { method: 'POST', headers: { authorization: ADMIN }, body: form });
      };
      assert.equal((await postProv(provenance(spec, 'ab'.repeat(32)))).status, 400);
      assert.equal((await postProv(provenance({ name: 'nothing', version: '1.0.0' }, 'ab'.repeat(32)))).status, 404);
      const prov = provenance(spec, sha256(chart).slice('sha256:'.length));
      const res = await postProv(prov);
      assert.equal(res.status, 201, await res.clone().text());
      const served = await download('helm', 'charts/signed-later-0.1.0.tgz.prov');
      assert.deepEqual(Buffer.from(await served.arrayBuffer()), prov);
      assert.deepEqual(Buffer.from(await (await download('helm', 'charts/signed-later-0.1.0.tgz')).arrayBuffer()), chart);
      const artifacts = await expectJson<unknown[]>(await api(server.url, 'GET', '/projects/helm/repositories/signed-later/artifacts'), 200);
      assert.equal(artifacts.length, 1);
    });

    it('answers ChartMuseum’s list, versions and version details as Harbor did', async () => {
      const charts = await expectJson<Array<{ name: string; total_versions: number; latest_version: string; icon: string }>>(
        await fetch(`${server.url}/api/chartrepo/helm/charts`, { headers: { authorization: guest } }),
        200,
      );
      const versions = charts.find((c) => c.name === 'versions')!;
      assert.equal(versions.total_versions, 5);
      assert.equal(versions.latest_version, '2.0.0');
      assert.equal(versions.icon, 'https://example.invalid/icon.png');
      const list = await expectJson<Array<{ version: string; urls: string[] }>>(
        await fetch(`${server.url}/api/chartrepo/helm/charts/versions`, { headers: { authorization: guest } }),
        200,
      );
      assert.equal(list[0]!.version, '2.0.0');
      const details = await expectJson<{
        metadata: { name: string; version: string };
        dependencies: Array<{ name: string }>;
        values: Record<string, unknown>;
        files: Record<string, string>;
        security: { signature: { signed: boolean } };
      }>(await fetch(`${server.url}/api/chartrepo/helm/charts/webapp/1.2.0`, { headers: { authorization: guest } }), 200);
      assert.equal(details.metadata.version, '1.2.0');
      assert.deepEqual(
        details.dependencies.map((d) => d.name),
        ['redis'],
      );
      assert.equal(details.values['service.port'], 80);
      assert.match(details.files['README.md']!, /Installs webapp/);
      assert.equal(details.security.signature.signed, true);
      assert.equal((await fetch(`${server.url}/api/chartrepo/helm/charts/nothing`, { headers: { authorization: guest } })).status, 404);
      assert.deepEqual(await (await fetch(`${server.url}/api/chartrepo/health`)).json(), { healthy: true });
    });

    it('authorizes as Harbor: pull to read, push to upload, delete to delete; private projects hidden', async () => {
      const anonymous = await fetch(`${server.url}/chartrepo/helm/index.yaml`);
      assert.equal(anonymous.status, 401);
      assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic /);
      assert.equal((await fetch(`${server.url}/chartrepo/helm/index.yaml`, { headers: { authorization: outsider } })).status, 404);
      assert.equal((await fetch(`${server.url}/chartrepo/helm/index.yaml`, { headers: { authorization: basic('chart-guest', 'wrong') } })).status, 401);
      assert.ok((await fetchIndex('helm', guest)).entries.webapp);
      assert.equal((await download('helm', 'charts/webapp-1.2.0.tgz', guest)).status, 200);

      const spec = { name: 'rbac', version: '0.1.0' };
      const chart = await packageChart(spec);
      assert.equal((await upload('helm', chart, spec, { authorization: guest })).status, 403);
      assert.equal((await upload('helm', chart, spec, { authorization: developer })).status, 201);
      const remove = (authorization: string, path: string) =>
        fetch(`${server.url}/api/chartrepo/helm/charts/${path}`, { method: 'DELETE', headers: { authorization } });
      assert.equal((await remove(developer, 'rbac/0.1.0')).status, 403);
      const deleted = await remove(maintainer, 'rbac/0.1.0');
      assert.equal(deleted.status, 200);
      assert.deepEqual(await deleted.json(), { deleted: true });
      assert.equal((await fetchIndex('helm')).entries.rbac, undefined);
      assert.equal((await download('helm', 'charts/rbac-0.1.0.tgz')).status, 404);
      assert.equal((await new TestClient(server.url).request('GET', '/v2/helm/rbac/manifests/0.1.0', { headers: { accept: OCI_MANIFEST } })).status, 404);
      assert.equal((await remove(maintainer, 'rbac/0.1.0')).status, 404);
      // Every version of a chart at once.
      assert.equal((await remove(maintainer, 'versions')).status, 200);
      assert.equal((await fetchIndex('helm')).entries.versions, undefined);
    });

    it('lets a member limited to some repositories push only charts whose repository they may push to', async () => {
      const theirs = { name: 'team-api', version: '1.0.0' };
      assert.equal((await upload('helm', await packageChart(theirs), theirs, { authorization: narrowed })).status, 201);
      const other = { name: 'other-api', version: '1.0.0' };
      const refused = await upload('helm', await packageChart(other), other, { authorization: narrowed });
      assert.equal(refused.status, 403);
      assert.match(((await refused.json()) as { error: string }).error, /helm\/other-api/);
      assert.equal((await fetchIndex('helm')).entries['other-api'], undefined);
      // A new version of a chart already in the built index is there at the next read.
      const next = { name: 'team-api', version: '1.1.0' };
      assert.equal((await upload('helm', await packageChart(next), next, { authorization: narrowed })).status, 201);
      assert.deepEqual(
        (await fetchIndex('helm')).entries['team-api']!.map((e) => e.version),
        ['1.1.0', '1.0.0'],
      );
    });

    it('refuses bad uploads with a 4xx and a ChartMuseum error body', async () => {
      const post = (body: BodyInit, headers: Record<string, string> = {}) =>
        fetch(`${server.url}/api/chartrepo/helm/charts`, { method: 'POST', headers: { authorization: ADMIN, ...headers }, body });
      const notMultipart = await post('{}', { 'content-type': 'application/json' });
      assert.equal(notMultipart.status, 400);
      assert.ok(((await notMultipart.json()) as { error: string }).error);
      const garbage = await post(chartUploadForm(Buffer.from('not a tgz'), 'x-1.0.0.tgz'));
      assert.equal(garbage.status, 400);
      assert.match(((await garbage.json()) as { error: string }).error, /not a readable \.tgz/);
      const form = new FormData();
      form.append('prov', new Blob(['x']), 'x.prov');
      assert.equal((await post(form)).status, 400);
      const badName = { name: 'Bad_Name', version: '1.0.0' };
      assert.equal((await upload('helm', await packageChart(badName), badName)).status, 400);
      const badVersion = { name: 'okname', version: 'latest' };
      assert.equal((await upload('helm', await packageChart(badVersion), badVersion)).status, 400);
      assert.equal((await upload('nosuchproject', await packageChart({ name: 'a', version: '1.0.0' }), { name: 'a', version: '1.0.0' })).status, 404);
      assert.equal((await download('helm', 'charts/nothing-1.0.0.tgz')).status, 404);
      assert.equal((await download('helm', 'charts/readme.txt')).status, 404);
    });

    it('charges classic uploads to the project quota like any push', async () => {
      await expectJson(await api(server.url, 'POST', '/projects', { body: { project_name: 'tight', metadata: { public: 'true' }, storage_limit: 200 } }), 201);
      const spec = { name: 'toobig', version: '1.0.0' };
      const res = await upload('tight', await packageChart(spec), spec);
      assert.equal(res.status, 403);
      assert.match(((await res.json()) as { error: string }).error, /quota/i);
      // A public project's index is open to anonymous Helm clients, and empty.
      const index = await fetch(`${server.url}/chartrepo/tight/index.yaml`);
      assert.equal(index.status, 200);
      assert.deepEqual((parseYaml(await index.text()) as HelmIndex).entries, {});
    });
  });
}
