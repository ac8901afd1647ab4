/**
 * SBOM generation with real clients: an image pushed with skopeo gets its SBOM generated
 * through Harbor's scan API, and the `sbom.harbor` accessory is pulled back with skopeo like
 * any image — its one layer is the SPDX document.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { spdxValidator } from '../../src/scan/sbom/spdx-schema.suite.js';
import { tarOf } from '../../src/scan/testing/vulnerable-image.suite.js';
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  ClientEnv,
  makeTempDir,
  RegistryServer,
  removeDir,
  sha256,
  requireTools,
  skipUnlessTools,
  sleep,
  TARGET,
  writeBlob,
} from './harness.js';

const TOOLS = ['skopeo'];
const DPKG_STATUS = '/var/lib/dpkg/status';
const OS_RELEASE = '/etc/os-release';

function skipReason(): string | false {
  if (TARGET !== 'berth') return 'Berth-only';
  if (!existsSync(DPKG_STATUS) || !existsSync(OS_RELEASE)) return 'needs a machine with a dpkg database: it is the scanned image';
  return skipUnlessTools(...TOOLS);
}

/**
 * A one-layer image in a new OCI layout, its tar written by tar-stream. (umoci's own layers end
 * without tar's end-of-archive blocks, which GNU tar and Berth's scanner both refuse.)
 */
async function ociImage(layout: string, tag: string, files: Record<string, Buffer | string>): Promise<void> {
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const plain = await tarOf(files);
  const layer = writeBlob(layout, gzipSync(plain), 'application/vnd.oci.image.layer.v1.tar+gzip');
  const config = writeBlob(
    layout,
    Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(plain)}`] } })),
    'application/vnd.oci.image.config.v1+json',
  );
  const manifest = writeBlob(
    layout,
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: [layer] })),
    'application/vnd.oci.image.manifest.v1+json',
  );
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': tag } }] }),
  );
}

describe('SBOM generation pulled back with skopeo', { skip: skipReason(), timeout: 180_000 }, () => {
  let server: RegistryServer;
  let work: string;
  let client: ClientEnv;

  async function api(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${server.url}/api/v2.0${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${ADMIN_USER}:${ADMIN_PASSWORD}`).toString('base64')}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    assert.ok(res.status < 300, `${method} ${path} → ${res.status} ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  before(async () => {
    requireTools(...TOOLS);
    server = await RegistryServer.start();
    work = makeTempDir('sbom');
    client = new ClientEnv(join(work, 'admin'), server.host);
    await client.skopeo(['login', '--tls-verify=false', '-u', ADMIN_USER, '-p', ADMIN_PASSWORD, server.host]);
  });
  after(async () => {
    await server?.stop();
    if (work) removeDir(work);
  });

  test('an image pushed with skopeo gets an SPDX SBOM accessory that skopeo pulls back', async (t) => {
    // Without shared/ beside the checkout (a newcomer's clone) there is no schema: skipped with a message; CI refuses that.
    const validate = spdxValidator();
    if (!validate) return t.skip('the SPDX 2.3 schema in ../shared/reference is absent');
    const layout = join(work, 'layout');
    await ociImage(layout, 'v1', {
      'etc/os-release': readFileSync(OS_RELEASE),
      'var/lib/dpkg/status': readFileSync(DPKG_STATUS),
      'usr/lib/node_modules/minimist/package.json': JSON.stringify({ name: 'minimist', version: '1.2.5', license: 'MIT' }),
    });
    await client.skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${server.host}/library/sbom-app:v1`]);

    await api('POST', '/projects/library/repositories/sbom-app/artifacts/v1/scan', { scan_type: 'sbom' });
    let overview: { scan_status: string; sbom_digest?: string } | undefined;
    for (let i = 0; i < 300; i++) {
      const artifact = (await api('GET', '/projects/library/repositories/sbom-app/artifacts/v1?with_sbom_overview=true')) as { sbom_overview?: typeof overview };
      overview = artifact.sbom_overview;
      if (overview && !['Pending', 'Running'].includes(overview.scan_status)) break;
      await sleep(100);
    }
    if (overview?.scan_status !== 'Success') {
      const log = await fetch(
        `${server.url}/api/v2.0/projects/library/repositories/sbom-app/artifacts/v1/scan/${(overview as { report_id?: string } | undefined)?.report_id}/log`,
        {
          headers: { authorization: `Basic ${Buffer.from(`${ADMIN_USER}:${ADMIN_PASSWORD}`).toString('base64')}` },
        },
      );
      assert.fail(`the SBOM generation ended ${overview?.scan_status}: ${await log.text()}`);
    }
    const digest = overview.sbom_digest!;

    const out = join(work, 'sbom-dir');
    await client.skopeo(['copy', '--src-tls-verify=false', `docker://${server.host}/library/sbom-app@${digest}`, `dir:${out}`]);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      config: { mediaType: string };
      layers: Array<{ digest: string; mediaType: string }>;
      subject?: { digest: string };
    };
    assert.equal(manifest.config.mediaType, 'application/vnd.goharbor.harbor.sbom.v1');
    assert.equal(manifest.layers.length, 1);
    const document = JSON.parse(readFileSync(join(out, manifest.layers[0]!.digest.split(':')[1]!), 'utf8')) as { packages: Array<{ name: string }> };
    assert.ok(validate(document), JSON.stringify(validate.errors?.slice(0, 5)));
    assert.ok(document.packages.some((p) => p.name === 'dpkg'));
    assert.ok(document.packages.some((p) => p.name === 'minimist'));
  });
});
