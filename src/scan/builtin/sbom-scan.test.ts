import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { api, expectJson } from '../../testing/api.js';
import { TestClient } from '../../testing/client.js';
import { testDialects } from '../../testing/dialects.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { eventually } from '../../testing/wait.js';
import { cycloneDxValidator } from '../sbom/cyclonedx-schema.suite.js';
import { SPDX_SCHEMA, spdxValidator } from '../sbom/spdx-schema.suite.js';
import { tarOf as layer } from '../testing/vulnerable-image.suite.js';

const DPKG_STATUS = '/var/lib/dpkg/status';
const OS_RELEASE = '/etc/os-release';
const ADAPTER_KEY = 'berth-own-adapter-key';
const SBOM_REPORT = 'application/vnd.security.sbom.report+json; version=1.0';

interface SbomOverview {
  start_time: string;
  end_time?: string;
  scan_status: string;
  sbom_digest?: string;
  report_id: string;
  duration?: number;
  scanner?: { name: string; vendor: string; version: string };
}
interface ArtifactJson {
  digest: string;
  sbom_overview?: SbomOverview;
  accessories?: Array<{ digest: string; type: string }>;
}
interface SpdxJson {
  spdxVersion: string;
  packages: Array<{ name: string; versionInfo?: string; externalRefs?: Array<{ referenceLocator: string }> }>;
}

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** An image of this machine's dpkg database and os-release, and one npm package. */
async function pushMachineImage(client: TestClient, name: string, tag: string) {
  const base = await layer({
    'etc/os-release': readFileSync(OS_RELEASE),
    'var/lib/dpkg/status': readFileSync(DPKG_STATUS),
    'usr/lib/node_modules/minimist/package.json': JSON.stringify({ name: 'minimist', version: '1.2.5', license: 'MIT' }),
  });
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(base)] } }));
  return client.pushArtifact(name, tag, {
    config: { data: config, mediaType: 'application/vnd.oci.image.config.v1+json' },
    layers: [{ data: gzipSync(base), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }],
  });
}

const machineHasDpkg = existsSync(DPKG_STATUS) && existsSync(OS_RELEASE);
const spdx = spdxValidator();
const skip = !machineHasDpkg ? 'needs a machine with a dpkg database: it is the scanned image' : spdx ? false : `the SPDX 2.3 schema is missing at ${SPDX_SCHEMA}`;

for (const dialect of testDialects()) {
  describe(`SBOM generation through Harbor's scan API (${dialect.name})`, { skip }, () => {
    let server: TestServer;
    let client: TestClient;
    const call = (method: string, path: string, body?: unknown) => api(server.url, method, path, body === undefined ? {} : { body });

    before(async () => {
      server = await startTestServer(dialect, {
        jobs: { pollIntervalMs: 50 },
        outbound: { allowPrivateNetworks: true },
        scan: { adapterApiKey: ADAPTER_KEY, pollSeconds: 1 },
      });
      client = new TestClient(server.url);
      await expectJson(await call('POST', '/projects', { project_name: 'sboms' }), 201);
    });
    after(() => server.close());

    async function artifact(project: string, repo: string, reference: string): Promise<ArtifactJson> {
      return expectJson<ArtifactJson>(
        await call('GET', `/projects/${project}/repositories/${repo}/artifacts/${reference}?with_sbom_overview=true&with_accessory=true`),
        200,
      );
    }

    function generated(project: string, repo: string, reference: string, previous?: string): Promise<SbomOverview> {
      return eventually(async () => {
        const o = (await artifact(project, repo, reference)).sbom_overview;
        return o && o.report_id !== previous && !['Pending', 'Running'].includes(o.scan_status) ? o : undefined;
      });
    }

    async function sbomDocument(project: string, repo: string, sbomDigest: string): Promise<SpdxJson> {
      const res = await call('GET', `/projects/${project}/repositories/${repo}/artifacts/${sbomDigest}/additions/sbom`);
      assert.equal(res.status, 200);
      const document = (await res.json()) as SpdxJson;
      assert.ok(spdx!(document), JSON.stringify(spdx!.errors?.slice(0, 5)));
      return document;
    }

    it('generates an SPDX SBOM stored as the sbom.harbor accessory, listing the dpkg and npm packages; regenerating replaces it', async () => {
      const image = await pushMachineImage(client, 'sboms/app', 'v1');
      await expectJson(await call('POST', '/projects/sboms/repositories/app/artifacts/v1/scan', { scan_type: 'sbom' }), 202);
      const first = await generated('sboms', 'app', 'v1');
      assert.equal(first.scan_status, 'Success');
      assert.match(first.sbom_digest ?? '', /^sha256:[0-9a-f]{64}$/);
      assert.equal(first.scanner?.name, 'Berth');
      assert.ok(first.end_time && first.duration !== undefined);

      const shown = await artifact('sboms', 'app', 'v1');
      assert.deepEqual(
        shown.accessories?.map((a) => [a.digest, a.type]),
        [[first.sbom_digest, 'sbom.harbor']],
      );
      const document = await sbomDocument('sboms', 'app', first.sbom_digest!);
      assert.equal(document.spdxVersion, 'SPDX-2.3');
      const dpkg = document.packages.find((p) => p.name === 'dpkg');
      assert.ok(dpkg?.externalRefs?.[0]?.referenceLocator.startsWith('pkg:deb/'), 'the dpkg package is listed with its purl');
      const minimist = document.packages.find((p) => p.name === 'minimist');
      assert.equal(minimist?.versionInfo, '1.2.5');
      assert.equal(minimist?.externalRefs?.[0]?.referenceLocator, 'pkg:npm/minimist@1.2.5');
      // The vulnerability overview is a different report: an SBOM leaves it empty.
      const both = await expectJson<{ scan_overview?: unknown }>(await call('GET', `/projects/sboms/repositories/app/artifacts/v1?with_scan_overview=true`), 200);
      assert.equal(both.scan_overview, undefined);

      const log = await (await call('GET', `/projects/sboms/repositories/app/artifacts/v1/scan/${first.report_id}/log`)).text();
      assert.match(log, /package\(s\) found/);
      assert.match(log, /SBOM accessory sha256:/);

      await expectJson(await call('POST', '/projects/sboms/repositories/app/artifacts/v1/scan', { scan_type: 'sbom' }), 202);
      const second = await generated('sboms', 'app', 'v1', first.report_id);
      assert.equal(second.scan_status, 'Success');
      const again = await artifact('sboms', 'app', 'v1');
      assert.deepEqual(
        again.accessories?.map((a) => [a.digest, a.type]),
        [[second.sbom_digest, 'sbom.harbor']],
        'one SBOM accessory: the new one',
      );
      if (second.sbom_digest !== first.sbom_digest)
        assert.equal((await call('GET', `/projects/sboms/repositories/app/artifacts/${first.sbom_digest}`)).status, 404, 'the previous SBOM is gone');

      // Deleting the image takes the SBOM and its report along.
      await expectJson(await call('DELETE', `/projects/sboms/repositories/app/artifacts/${image.digest}`), 200);
      assert.equal((await call('GET', `/projects/sboms/repositories/app/artifacts/${second.sbom_digest}`)).status, 404);
      await eventually(async () => {
        const rows = await server.database.db.selectFrom('scan_reports').select('uuid').where('digest', '=', image.digest).execute();
        return rows.length === 0 ? true : undefined;
      });
    });

    it('generates on push where auto_sbom_generation is on', async () => {
      await expectJson(await call('POST', '/projects', { project_name: 'autosbom', metadata: { auto_sbom_generation: 'true' } }), 201);
      await pushMachineImage(client, 'autosbom/app', 'v1');
      const overview = await generated('autosbom', 'app', 'v1');
      assert.equal(overview.scan_status, 'Success');
      const shown = await artifact('autosbom', 'app', 'v1');
      assert.deepEqual(
        shown.accessories?.map((a) => a.type),
        ['sbom.harbor'],
      );
      // The accessory's own push is not given an SBOM of its own.
      assert.equal((await artifact('autosbom', 'app', overview.sbom_digest!)).sbom_overview, undefined);
    });

    it('generates through an external adapter (Berth’s own) with the sbom capability, and that adapter serves CycloneDX too', async () => {
      const adapterUrl = `${server.url}/scanner-adapter`;
      const res = await call('POST', '/scanners', { name: 'self', url: adapterUrl, auth: 'APIKey', access_credential: ADAPTER_KEY });
      await expectJson(res, 201);
      const uuid = (res.headers.get('location') ?? '').split('/').pop() ?? '';
      // The registration keeps what the adapter's metadata said once it was read.
      await expectJson(await call('GET', `/scanners/${uuid}/metadata`), 200);
      const registration = await expectJson<{ capabilities: Record<string, boolean> }>(await call('GET', `/scanners/${uuid}`), 200);
      assert.deepEqual(registration.capabilities, { support_vulnerability: true, support_sbom: true });
      await expectJson(await call('POST', '/projects', { project_name: 'external' }), 201);
      await expectJson(await call('PUT', '/projects/external/scanner', { uuid }), 200);
      const image = await pushMachineImage(client, 'external/app', 'v1');

      await expectJson(await call('POST', '/projects/external/repositories/app/artifacts/v1/scan', { scan_type: 'sbom' }), 202);
      const overview = await generated('external', 'app', 'v1');
      assert.equal(overview.scan_status, 'Success', JSON.stringify(overview));
      const document = await sbomDocument('external', 'app', overview.sbom_digest!);
      assert.ok(document.packages.some((p) => p.name === 'minimist'));

      // The adapter API as Harbor's spec describes it, asking for CycloneDX.
      const headers = { 'x-scanneradapter-api-key': ADAPTER_KEY };
      const submitted = await fetch(`${adapterUrl}/api/v1/scan`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/vnd.scanner.adapter.scan.request+json; version=1.0' },
        body: JSON.stringify({
          registry: { url: server.url, authorization: `Basic ${Buffer.from(`admin:${server.config.auth.adminPassword}`).toString('base64')}` },
          artifact: { repository: 'external/app', digest: image.digest, mime_type: 'application/vnd.oci.image.manifest.v1+json' },
          enabled_capabilities: [{ type: 'sbom', produces_mime_types: [SBOM_REPORT], parameters: { sbom_media_types: ['application/vnd.cyclonedx+json'] } }],
        }),
      });
      assert.equal(submitted.status, 202);
      const { id } = (await submitted.json()) as { id: string };
      const noType = await fetch(`${adapterUrl}/api/v1/scan/${id}/report`, { headers: { ...headers, accept: SBOM_REPORT } });
      assert.equal(noType.status, 400, 'an SBOM report needs ?sbom_media_type=');
      const report = await eventually(async () => {
        const answer = await fetch(`${adapterUrl}/api/v1/scan/${id}/report?sbom_media_type=application%2Fvnd.cyclonedx%2Bjson`, {
          headers: { ...headers, accept: SBOM_REPORT },
          redirect: 'manual',
        });
        if (answer.status === 302) return undefined;
        assert.equal(answer.status, 200);
        assert.equal(answer.headers.get('content-type'), SBOM_REPORT);
        return (await answer.json()) as { media_type: string; sbom: { components: Array<{ name: string; purl?: string }> } };
      });
      assert.equal(report.media_type, 'application/vnd.cyclonedx+json');
      const cycloneDx = cycloneDxValidator();
      assert.ok(cycloneDx(report.sbom), JSON.stringify(cycloneDx.errors?.slice(0, 5)));
      assert.ok(report.sbom.components.some((c) => c.name === 'dpkg' && c.purl?.startsWith('pkg:deb/')));
      assert.ok(report.sbom.components.some((c) => c.purl === 'pkg:npm/minimist@1.2.5'));
    });
  });
}
