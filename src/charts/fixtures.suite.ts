import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

export interface ChartSpec {
  name: string;
  version: string;
  appVersion?: string;
  description?: string;
  /** Extra Chart.yaml lines, as written. */
  extra?: string;
  values?: string;
  readme?: string;
}

/** Chart.yaml as `helm create` writes it, with the spec's name and version. */
export function chartYaml(spec: ChartSpec): string {
  return [
    'apiVersion: v2',
    `name: ${spec.name}`,
    `description: ${spec.description ?? `A Helm chart for ${spec.name}`}`,
    'type: application',
    `version: ${spec.version}`,
    `appVersion: "${spec.appVersion ?? '1.16.0'}"`,
    'keywords:',
    '  - web',
    '  - test',
    'maintainers:',
    '  - name: Berth tests',
    '    email: tests@example.invalid',
    'icon: https://example.invalid/icon.png',
    'dependencies:',
    '  - name: redis',
    '    version: 17.0.0',
    '    repository: https://charts.example.invalid',
    spec.extra ?? '',
  ].join('\n');
}

/**
 * A packaged chart as `helm package` writes it: a gzipped ustar archive whose one top folder,
 * named after the chart, holds Chart.yaml, values.yaml, README.md and templates/.
 */
export async function packageChart(spec: ChartSpec): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    archive.on('end', resolve);
    archive.on('error', reject);
  });
  const mtime = new Date('2026-01-01T00:00:00Z');
  const files: Array<[string, string]> = [
    ['Chart.yaml', chartYaml(spec)],
    ['values.yaml', spec.values ?? 'replicaCount: 1\nimage:\n  repository: nginx\n  tag: ""\nservice:\n  port: 80\n'],
    ['README.md', spec.readme ?? `# ${spec.name}\n\nInstalls ${spec.name}.\n`],
    ['templates/deployment.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n'],
    ['.helmignore', '.git\n'],
  ];
  for (const [path, text] of files) archive.entry({ name: `${spec.name}/${path}`, mtime, mode: 0o644 }, text);
  archive.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

/** A provenance file shaped as `helm package --sign` writes it (the signature is not checked by the repository). */
export function provenance(spec: ChartSpec, chartDigestHex: string): Buffer {
  return Buffer.from(
    [
      '-----BEGIN PGP SIGNED MESSAGE-----',
      'Hash: SHA512',
      '',
      chartYaml(spec),
      '...',
      'files:',
      `  ${spec.name}-${spec.version}.tgz: sha256:${chartDigestHex}`,
      '-----BEGIN PGP SIGNATURE-----',
      '',
      'wsBcBAEBCgAQBQJnAAAACRBERTESTSIGNATURE',
      '-----END PGP SIGNATURE-----',
      '',
    ].join('\n'),
  );
}

/** The multipart body the ChartMuseum push plugin sends: the chart in `chart`, its provenance in `prov`. */
export function chartUploadForm(chart: Buffer, fileName: string, prov?: Buffer): FormData {
  const form = new FormData();
  form.append('chart', new Blob([new Uint8Array(chart)], { type: 'application/octet-stream' }), fileName);
  if (prov) form.append('prov', new Blob([new Uint8Array(prov)], { type: 'application/octet-stream' }), `${fileName}.prov`);
  return form;
}
