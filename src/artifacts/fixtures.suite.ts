import { gzipSync } from 'node:zlib';
import { OCI_INDEX, OCI_MANIFEST, type TestClient } from '../testing/client.js';

/** A ustar archive of the given files, written by hand as Helm's would be. */
export function tar(files: Record<string, string>): Buffer {
  return tarOf(Object.entries(files));
}

/** A ustar archive of the entries in order; a name may come more than once, as a hostile archive may have it. */
export function tarOf(entries: ReadonlyArray<readonly [string, string]>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, text] of entries) {
    const data = Buffer.from(text);
    const header = Buffer.alloc(512);
    header.write(name, 0, 100);
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write(
      `${Math.floor(Date.now() / 1000)
        .toString(8)
        .padStart(11, '0')}\0`,
      136,
    );
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    const sum = header.reduce((a, b) => a + b, 0);
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export const CHART_YAML = `apiVersion: v2
name: mychart
version: 0.1.0
dependencies:
  - name: redis
    version: 17.0.0
    repository: https://charts.example.invalid
`;
export const VALUES_YAML = 'replicaCount: 2\nimage:\n  repository: nginx\n';
export const README = '# mychart\n\nA chart for tests.\n';

const size = (manifest: object) => Buffer.byteLength(JSON.stringify(manifest));

/** An image whose config carries a build history. */
export async function pushImageWithHistory(client: TestClient, name: string, tag: string, architecture = 'amd64') {
  const config = Buffer.from(
    JSON.stringify({
      architecture,
      os: 'linux',
      config: { Env: ['PATH=/usr/bin'] },
      history: [
        { created: '2026-01-01T00:00:00Z', created_by: '/bin/sh -c #(nop) ADD file' },
        { created_by: 'RUN make', empty_layer: true },
      ],
      rootfs: { type: 'layers', diff_ids: [] },
    }),
  );
  const layer = Buffer.from(`layer ${name}:${tag}:${architecture}`);
  const { digest, manifest } = await client.pushArtifact(name, tag, {
    config: { data: config, mediaType: 'application/vnd.oci.image.config.v1+json' },
    layers: [{ data: layer, mediaType: 'application/vnd.oci.image.layer.v1.tar' }],
  });
  return { digest, manifest, size: size(manifest) };
}

export async function pushIndex(client: TestClient, name: string, tag: string, children: Array<{ digest: string; size: number; architecture: string }>) {
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: children.map((c) => ({
      mediaType: OCI_MANIFEST,
      digest: c.digest,
      size: c.size,
      platform: { architecture: c.architecture, os: 'linux', ...(c.architecture === 'arm64' ? { variant: 'v8' } : {}) },
    })),
  };
  return client.pushManifest(name, tag, index, OCI_INDEX);
}

export async function pushChart(client: TestClient, name: string, tag: string, readme = README) {
  const config = Buffer.from(JSON.stringify({ apiVersion: 'v2', name: 'mychart', version: '0.1.0' }));
  const chart = gzipSync(
    tar({ 'mychart/Chart.yaml': CHART_YAML, 'mychart/values.yaml': VALUES_YAML, 'mychart/README.md': readme, 'mychart/templates/x.yaml': 'kind: ConfigMap\n' }),
  );
  return client.pushArtifact(name, tag, {
    config: { data: config, mediaType: 'application/vnd.cncf.helm.config.v1+json' },
    layers: [{ data: chart, mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip' }],
  });
}

/** An artifact attached to `subject` (a referrer): a cosign signature or an SPDX SBOM. */
export async function pushReferrer(client: TestClient, name: string, subject: { digest: string; size: number }, kind: 'cosign' | 'sbom') {
  const payload = Buffer.from(kind === 'cosign' ? `{"critical":{"image":{"docker-manifest-digest":"${subject.digest}"}}}` : '{"spdxVersion":"SPDX-2.3"}');
  return client.pushArtifact(name, subject.digest.replace(':', '-') + `.${kind}`, {
    ...(kind === 'sbom' ? { artifactType: 'application/spdx+json' } : {}),
    config: { data: Buffer.from('{}'), mediaType: kind === 'cosign' ? 'application/vnd.oci.image.config.v1+json' : 'application/vnd.oci.empty.v1+json' },
    layers: [{ data: payload, mediaType: kind === 'cosign' ? 'application/vnd.dev.cosign.simplesigning.v1+json' : 'application/spdx+json' }],
    subject,
  });
}
