import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import type { ArtifactParts } from '../../testing/client.js';

/**
 * Test support: an image whose packages are real — this machine's dpkg database and os-release —
 * plus an npm package a known advisory affects (minimist 1.2.5, GHSA-xvch-5gv4-984h, critical)
 * and one (semver 7.3.8) that a second layer deletes again, so it must not be reported. With
 * the OSV fixtures of `scan/vulndb/fixtures` imported, the findings are known in advance.
 */
export const DPKG_STATUS = '/var/lib/dpkg/status';
export const OS_RELEASE = '/etc/os-release';
export const VULNDB_FIXTURES = join(import.meta.dirname, '..', 'vulndb', 'fixtures');

/** Whether this machine can give the image its packages (a Debian with dpkg). */
export function machineIsDebian(): boolean {
  return existsSync(DPKG_STATUS) && existsSync(OS_RELEASE) && readFileSync(OS_RELEASE, 'utf8').includes('ID=debian');
}

/** Every OSV fixture file, for `importPaths` or `berth vulndb import`. */
export function vulndbFixtureFiles(): string[] {
  return readdirSync(VULNDB_FIXTURES, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.json'))
    .map((file) => join(VULNDB_FIXTURES, file));
}

/** An uncompressed tar of the given files. */
export async function tarOf(files: Record<string, string | Buffer>): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve) => tar.on('end', () => resolve()));
  for (const [name, body] of Object.entries(files)) tar.entry({ name, mode: 0o644 }, body);
  tar.finalize();
  await done;
  return Buffer.concat(chunks);
}

export const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export interface VulnerableImage {
  parts: ArtifactParts;
  /** The gzip layers as pushed: the first holds the packages, the second deletes semver. */
  layers: Buffer[];
}

export async function vulnerableImage(): Promise<VulnerableImage> {
  const base = await tarOf({
    'etc/os-release': readFileSync(OS_RELEASE),
    'var/lib/dpkg/status': readFileSync(DPKG_STATUS),
    'usr/lib/node_modules/minimist/package.json': JSON.stringify({ name: 'minimist', version: '1.2.5', license: 'MIT' }),
    'app/node_modules/semver/package.json': JSON.stringify({ name: 'semver', version: '7.3.8', license: 'ISC' }),
  });
  const cleanup = await tarOf({ 'app/node_modules/.wh.semver': '' });
  const layers = [gzipSync(base), gzipSync(cleanup)];
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(base), sha256(cleanup)] } }));
  return {
    layers,
    parts: {
      config: { data: config, mediaType: 'application/vnd.oci.image.config.v1+json' },
      layers: layers.map((data) => ({ data, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' })),
    },
  };
}
