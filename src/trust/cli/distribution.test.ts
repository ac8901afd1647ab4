/**
 * berth sign/verify against another registry: CNCF distribution (Debian's docker-registry, 2.8),
 * with htpasswd (Basic) authentication and no referrers API, so referrer signatures go through
 * the referrers tag schema.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { skipUnlessTools } from '../../../test/e2e/harness.js';
import { RegistryClient } from '../../platform/registry-client/index.js';
import { runBerth } from '../../testing/cli.js';
import { startDistribution, type DistributionServer } from '../../testing/distribution.js';
import { generateKeyPairFiles, OCI_MANIFEST_TYPE, sha256Digest } from '../sign/index.js';

const USER = 'alice';
const PASSWORD = 'distribution-Passw0rd';
const KEY_PASSWORD = 'key-pass';

describe('berth sign and verify against CNCF distribution', { skip: skipUnlessTools('docker-registry', 'perl'), timeout: 240_000 }, () => {
  let dir: string;
  let registry: DistributionServer | undefined;
  let host: string;
  let digest: string;
  let keyPath: string;
  let pubPath: string;
  let otherPubPath: string;
  const env = { COSIGN_PASSWORD: KEY_PASSWORD, BERTH_REGISTRY_USERNAME: USER, BERTH_REGISTRY_PASSWORD: PASSWORD };

  before(async () => {
    registry = await startDistribution({ basicAuth: { username: USER, password: PASSWORD } });
    dir = registry.dir;
    host = registry.host;

    // An image pushed the way any client would (Basic credentials, monolithic uploads).
    const client = new RegistryClient({ url: `http://${host}`, allowPrivateNetworks: true, credential: { type: 'basic', username: USER, password: PASSWORD } });
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
    const layer = Buffer.from('a layer of demo/app');
    for (const blob of [config, layer]) await client.pushBlob('demo/app', sha256Digest(blob), blob.length, async () => Readable.from([blob]));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST_TYPE,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: sha256Digest(config) },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', size: layer.length, digest: sha256Digest(layer) }],
      }),
    );
    await client.putManifest('demo/app', 'v1', manifest, OCI_MANIFEST_TYPE);
    digest = sha256Digest(manifest);

    const [mine, other] = await Promise.all([generateKeyPairFiles(KEY_PASSWORD), generateKeyPairFiles('x')]);
    keyPath = join(dir, 'cosign.key');
    pubPath = join(dir, 'cosign.pub');
    otherPubPath = join(dir, 'other.pub');
    writeFileSync(keyPath, mine.privateKey);
    writeFileSync(pubPath, mine.publicKey);
    writeFileSync(otherPubPath, other.publicKey);
  });

  after(async () => {
    await registry?.stop();
  });

  it('signs in tag mode and in referrer mode (kept in the sha256-<hex> referrers tag), and verify finds both', async () => {
    const byTag = await runBerth(['sign', '--key', keyPath, '--plain-http', `${host}/demo/app@${digest}`], env);
    assert.equal(byTag.code, 0, byTag.stderr);
    const asReferrer = await runBerth(['sign', '--key', keyPath, '--plain-http', '--mode', 'referrer', `${host}/demo/app@${digest}`], env);
    assert.equal(asReferrer.code, 0, asReferrer.stderr);
    assert.match(asReferrer.stdout, new RegExp(`listed in the referrers tag ${host}/demo/app:${digest.replace(':', '-')}, the registry has no referrers API`));

    const verified = await runBerth(['verify', '--key', pubPath, '--plain-http', '--output', 'json', `${host}/demo/app:v1`], env);
    assert.equal(verified.code, 0, verified.stderr);
    const report = JSON.parse(verified.stdout) as { referrers: string; signatures: Array<{ source: string; verdict: { verified: boolean } }> };
    assert.equal(report.referrers, 'fallback-tag');
    assert.deepEqual(
      report.signatures.map((s) => [s.source.split(' ')[0], s.verdict.verified]),
      [
        ['tag', true],
        ['referrer', true],
      ],
    );

    const refused = await runBerth(['verify', '--key', otherPubPath, '--plain-http', `${host}/demo/app@${digest}`], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /0 of 2 signature\(s\) verified/);
  });

  it('Basic authentication: wrong credentials are reported as such', async () => {
    const run = await runBerth(['verify', '--key', pubPath, '--plain-http', `${host}/demo/app@${digest}`], { ...env, BERTH_REGISTRY_PASSWORD: 'wrong' });
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`${host} refused the credentials of "alice" \\(401 Unauthorized\\)`));
  });
});
