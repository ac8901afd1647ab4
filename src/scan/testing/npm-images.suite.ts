import { gzipSync } from 'node:zlib';
import { systemClock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/index.js';
import { sha256, type TestClient } from '../../testing/client.js';
import { importPaths } from '../vulndb/index.js';
import { tarOf, vulndbFixtureFiles } from './vulnerable-image.suite.js';

/** Imports every OSV fixture into the test server's vulnerability database. */
export async function importFixtures(database: Database): Promise<void> {
  await importPaths(database, vulndbFixtureFiles(), { clock: systemClock });
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
