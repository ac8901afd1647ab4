import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { systemClock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/index.js';
import { sha256, type TestClient } from '../../testing/client.js';
import { importPaths } from '../vulndb/index.js';

const FIXTURES = join(import.meta.dirname, '..', 'vulndb', 'fixtures');

/** Imports every OSV fixture into the test server's vulnerability database. */
export async function importFixtures(database: Database): Promise<void> {
  const files = readdirSync(FIXTURES, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'));
  await importPaths(
    database,
    files.map((f) => join(FIXTURES, f)),
    { clock: systemClock },
  );
}

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve) => tar.on('end', () => resolve()));
  for (const [name, body] of Object.entries(files)) tar.entry({ name, mode: 0o644 }, body);
  tar.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * Pushes an image of one layer holding these global npm packages (name → version), which the
 * built-in scanner matches against the GHSA fixtures (minimist < 1.2.6 Critical, semver 7 < 7.5.2 Medium).
 */
export async function pushNpmImage(client: TestClient, repository: string, tag: string, packages: Record<string, string>): Promise<string> {
  const files: Record<string, string> = {};
  for (const [name, version] of Object.entries(packages)) files[`usr/lib/node_modules/${name}/package.json`] = JSON.stringify({ name, version, license: 'MIT' });
  const layer = await tarOf(files);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
  const { digest } = await client.pushArtifact(repository, tag, {
    config: { data: config, mediaType: 'application/vnd.oci.image.config.v1+json' },
    layers: [{ data: gzipSync(layer), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }],
  });
  return digest;
}
