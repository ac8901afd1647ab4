/**
 * The demo images, made offline the way the end-to-end tests make theirs: umoci builds OCI
 * layouts (one layer of files, an architecture in the config), an index is written over two of
 * them, and a Helm chart is packed by hand into a layout of its own. skopeo copies them in.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ClientEnv, type LayoutManifest, run, umociImage, writeBlob, writeIndex } from '../../test/e2e/harness.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const HELM_CONFIG = 'application/vnd.cncf.helm.config.v1+json';
const HELM_CHART = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';

/** Random bytes do not compress, so the sizes shown look like a real application's. */
const payload = (kib: number): Buffer => randomBytes(kib * 1024);

export interface DemoLayouts {
  images: string;
  chart: string;
}

/** Tags in the images layout: frontend builds, an API for two architectures, a ledger service. */
export async function buildImages(client: ClientEnv, dir: string, log: (line: string) => void): Promise<DemoLayouts> {
  const images = join(dir, 'images');
  const build = async (tag: string, files: Record<string, Buffer | string>, arch = 'amd64'): Promise<LayoutManifest> => {
    log(`  building ${tag} (${arch}) with umoci`);
    return umociImage(client, images, tag, files, arch);
  };
  await build('frontend-1.4.0', { 'srv/www/index.html': '<h1>Shop 1.4.0</h1>\n', 'srv/www/app.js': payload(1800) });
  await build('frontend-1.4.1', { 'srv/www/index.html': '<h1>Shop 1.4.1</h1>\n', 'srv/www/app.js': payload(1900) });
  await build('frontend-1.3.9', { 'srv/www/index.html': '<h1>Shop 1.3.9</h1>\n', 'srv/www/app.js': payload(1700) });
  const amd = await build('api-amd64', { 'usr/local/bin/api': payload(6200), 'etc/api/config.yaml': 'listen: :8080\n' }, 'amd64');
  const arm = await build('api-arm64', { 'usr/local/bin/api': payload(5900), 'etc/api/config.yaml': 'listen: :8080\n' }, 'arm64');
  writeIndex(images, 'api-2.0.0', [amd, arm]);
  await build('ledger-3.2.1', { 'opt/ledger/ledger.jar': payload(9400), 'opt/ledger/VERSION': '3.2.1\n' });
  await build('hello-1.0', { 'hello.txt': 'Hello from Berth\n' });
  const chart = await buildChart(join(dir, 'chart'));
  return { images, chart };
}

/** A Helm chart as `helm push` stores it: Chart.yaml as JSON config, the packed chart as the one layer. */
async function buildChart(dir: string): Promise<string> {
  const source = join(dir, 'src');
  mkdirSync(join(source, 'shop', 'templates'), { recursive: true });
  writeFileSync(
    join(source, 'shop', 'Chart.yaml'),
    'apiVersion: v2\nname: shop\ndescription: The web shop: frontend and API\ntype: application\nversion: 0.7.2\nappVersion: "1.4.1"\ndependencies:\n  - name: redis\n    version: "17.3.2"\n    repository: https://charts.example.com/stable\n',
  );
  writeFileSync(
    join(source, 'shop', 'values.yaml'),
    'replicaCount: 2\nfrontend:\n  image: registry.example.com/web/frontend:1.4.1\napi:\n  image: registry.example.com/web/api:2.0.0\nservice:\n  port: 8080\n',
  );
  writeFileSync(
    join(source, 'shop', 'README.md'),
    '# shop\n\nDeploys the web shop: the frontend, the API and a Redis cache.\n\n## Values\n\n| key | default |\n|---|---|\n| `replicaCount` | `2` |\n| `service.port` | `8080` |\n',
  );
  writeFileSync(join(source, 'shop', 'templates', 'service.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n');
  const tgz = join(dir, 'shop-0.7.2.tgz');
  await run('tar', ['--format=ustar', '--owner=0', '--group=0', '-czf', tgz, '-C', source, 'shop']);

  const layout = join(dir, 'layout');
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const chartConfig = {
    apiVersion: 'v2',
    name: 'shop',
    description: 'The web shop: frontend and API',
    type: 'application',
    version: '0.7.2',
    appVersion: '1.4.1',
    dependencies: [{ name: 'redis', version: '17.3.2', repository: 'https://charts.example.com/stable' }],
  };
  const config = writeBlob(layout, Buffer.from(JSON.stringify(chartConfig)), HELM_CONFIG);
  const layer = writeBlob(layout, readFileSync(tgz), HELM_CHART);
  const manifestBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config,
      layers: [{ ...layer, annotations: { 'org.opencontainers.image.title': 'shop-0.7.2.tgz' } }],
    }),
  );
  const manifest = writeBlob(layout, manifestBytes, OCI_MANIFEST);
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': '0.7.2' } }] }),
  );
  return layout;
}
