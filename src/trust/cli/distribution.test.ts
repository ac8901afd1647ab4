/**
 * berth sign/verify against another registry: CNCF distribution (Debian's docker-registry, 2.8),
 * with htpasswd (Basic) authentication and no referrers API, so referrer signatures go through
 * the referrers tag schema.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, sleep, skipUnlessTools } from '../../../test/e2e/harness.js';
import { runBerth } from '../../testing/cli.js';
import { Readable } from 'node:stream';
import { RegistryClient } from '../../platform/registry-client/index.js';
import { generateKeyPairFiles, OCI_MANIFEST_TYPE, sha256Digest } from '../sign/index.js';

const USER = 'alice';
const PASSWORD = 'distribution-Passw0rd';
const KEY_PASSWORD = 'key-pass';

/** A bcrypt htpasswd line through perl's crypt() (libxcrypt knows $2b$), as test/e2e does. */
function htpasswdLine(user: string, password: string): string {
  const salt = sha256Digest(Buffer.from(String(Math.random())))
    .slice(7)
    .replace(/[^A-Za-z0-9]/g, '.')
    .slice(0, 22);
  const hash = spawnSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, `$2b$05$${salt}`], { encoding: 'utf8' }).stdout;
  return `${user}:${hash}\n`;
}

describe('berth sign and verify against CNCF distribution', { skip: skipUnlessTools('docker-registry', 'perl'), timeout: 240_000 }, () => {
  let dir: string;
  let registry: ChildProcess | undefined;
  let host: string;
  let digest: string;
  let keyPath: string;
  let pubPath: string;
  let otherPubPath: string;
  const env = { COSIGN_PASSWORD: KEY_PASSWORD, BERTH_REGISTRY_USERNAME: USER, BERTH_REGISTRY_PASSWORD: PASSWORD };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-sign-distribution-'));
    host = `127.0.0.1:${await freePort()}`;
    writeFileSync(join(dir, 'htpasswd'), htpasswdLine(USER, PASSWORD));
    writeFileSync(
      join(dir, 'config.yml'),
      `version: 0.1
log: { level: error, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: ${join(dir, 'data')} } }
http: { addr: "${host}", secret: sign-test }
auth: { htpasswd: { realm: basic-realm, path: ${join(dir, 'htpasswd')} } }
`,
    );
    const log = openSync(join(dir, 'registry.log'), 'a');
    registry = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', log, log], env: { PATH: process.env.PATH } });
    closeSync(log);
    for (let i = 0; i < 100; i++) {
      const ready = await fetch(`http://${host}/v2/`).then(
        (res) => res.status,
        () => 0,
      );
      if (ready > 0) break;
      await sleep(100);
    }

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

  after(() => {
    registry?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
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
