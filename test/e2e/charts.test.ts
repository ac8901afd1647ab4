/**
 * Helm charts both ways through one store, as the clients see them: a chart uploaded the way
 * the ChartMuseum push plugin uploads it pulls over /v2/ with skopeo byte for byte, and a chart
 * pushed as an OCI layout with skopeo appears in the classic index.yaml Helm's repository
 * client reads, with the digest of its archive, and downloads byte for byte.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { chartUploadForm, packageChart, provenance } from '../../src/charts/fixtures.suite.js';
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  ClientEnv,
  layoutRef,
  makeTempDir,
  readBlob,
  RegistryServer,
  removeDir,
  requireTools,
  sha256,
  skipUnlessTools,
  TARGET,
  writeBlob,
} from './harness.js';

const TOOLS = ['skopeo'];
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const HELM_CONFIG = 'application/vnd.cncf.helm.config.v1+json';
const HELM_CHART = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
const HELM_PROV = 'application/vnd.cncf.helm.chart.provenance.v1.prov';
const AUTH = `Basic ${Buffer.from(`${ADMIN_USER}:${ADMIN_PASSWORD}`).toString('base64')}`;

interface HelmIndex {
  apiVersion: string;
  entries: Record<string, Array<{ version: string; digest: string; urls: string[] }>>;
  generated: string;
}

const skip = TARGET !== 'berth' ? 'Berth-only (classic chart repository)' : skipUnlessTools(...TOOLS);

describe('Helm charts, classic and OCI, through one store', { skip, timeout: 120_000 }, () => {
  let server: RegistryServer;
  let work: string;
  let client: ClientEnv;

  before(async () => {
    requireTools(...TOOLS);
    server = await RegistryServer.start();
    work = makeTempDir('charts');
    client = new ClientEnv(join(work, 'admin'), server.host);
    await client.skopeo(['login', '--tls-verify=false', '-u', ADMIN_USER, '-p', ADMIN_PASSWORD, server.host]);
    const res = await fetch(`${server.url}/api/v2.0/projects`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ project_name: 'charts', metadata: { public: 'false' } }),
    });
    assert.equal(res.status, 201, await res.text());
  });

  after(async () => {
    await server?.stop();
    if (work) removeDir(work);
  });

  const index = async (): Promise<HelmIndex> => {
    const res = await fetch(`${server.url}/chartrepo/charts/index.yaml`, { headers: { authorization: AUTH } });
    assert.equal(res.status, 200);
    return parseYaml(await res.text()) as HelmIndex;
  };

  it('a chart uploaded through the ChartMuseum API pulls over /v2/ with skopeo byte-identical', async () => {
    const spec = { name: 'classic', version: '1.0.0' };
    const chart = await packageChart(spec);
    const prov = provenance(spec, sha256(chart));
    const res = await fetch(`${server.url}/api/chartrepo/charts/charts`, {
      method: 'POST',
      headers: { authorization: AUTH },
      body: chartUploadForm(chart, 'classic-1.0.0.tgz', prov),
    });
    assert.equal(res.status, 201, await res.clone().text());
    assert.deepEqual(await res.json(), { saved: true });

    const out = join(work, 'pulled-classic');
    await client.skopeo(['copy', '--src-tls-verify=false', `docker://${server.host}/charts/classic:1.0.0`, `oci:${out}:1.0.0`]);
    const pulled = layoutRef(out, '1.0.0');
    const manifest = JSON.parse(readBlob(out, pulled.digest).toString('utf8')) as {
      config: { mediaType: string; digest: string };
      layers: Array<{ mediaType: string; digest: string }>;
    };
    assert.equal(manifest.config.mediaType, HELM_CONFIG);
    assert.deepEqual(
      manifest.layers.map((l) => l.mediaType),
      [HELM_CHART, HELM_PROV],
    );
    assert.ok(readBlob(out, manifest.layers[0]!.digest).equals(chart), 'the chart layer skopeo pulled is not the uploaded archive');
    assert.ok(readBlob(out, manifest.layers[1]!.digest).equals(prov), 'the provenance layer differs');
    const config = JSON.parse(readBlob(out, manifest.config.digest).toString('utf8')) as { name: string; version: string };
    assert.deepEqual([config.name, config.version], ['classic', '1.0.0']);

    // And the classic download is those same bytes.
    const entry = (await index()).entries.classic![0]!;
    const download = await fetch(new URL(entry.urls[0]!, `${server.url}/chartrepo/charts/`), { headers: { authorization: AUTH } });
    assert.ok(Buffer.from(await download.arrayBuffer()).equals(chart));
  });

  it('a chart pushed with skopeo as an OCI layout appears in index.yaml with its archive digest', async () => {
    const spec = { name: 'pushed', version: '0.2.0', appVersion: '3.1.4' };
    const chart = await packageChart(spec);
    const layout = join(work, 'chart-layout');
    mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    const config = writeBlob(
      layout,
      Buffer.from(JSON.stringify({ name: 'pushed', version: '0.2.0', apiVersion: 'v2', appVersion: '3.1.4', description: 'pushed by skopeo' })),
      HELM_CONFIG,
    );
    const layer = writeBlob(layout, chart, HELM_CHART);
    const manifest = writeBlob(layout, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] })), OCI_MANIFEST);
    writeFileSync(
      join(layout, 'index.json'),
      JSON.stringify({ schemaVersion: 2, manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': '0.2.0' } }] }),
    );
    await client.skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:0.2.0`, `docker://${server.host}/charts/pushed:0.2.0`]);

    const helmIndex = await index();
    assert.equal(helmIndex.apiVersion, 'v1');
    const entry = helmIndex.entries.pushed![0]!;
    assert.equal(entry.version, '0.2.0');
    assert.equal(entry.digest, sha256(chart));
    assert.deepEqual(entry.urls, ['charts/pushed-0.2.0.tgz']);
    const download = await fetch(new URL(entry.urls[0]!, `${server.url}/chartrepo/charts/`), { headers: { authorization: AUTH } });
    assert.equal(download.status, 200);
    assert.ok(Buffer.from(await download.arrayBuffer()).equals(chart));
    assert.ok(helmIndex.entries.classic, 'the classic upload is still listed beside it');
  });
});
