/** berth sign/verify against a Berth serving HTTPS with a private CA's certificate. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { issueServerCertificate, makeTestCa, type TestCa } from '../../../test/e2e/certificates.js';
import { ADMIN_PASSWORD, ADMIN_USER, makeTempDir, RegistryServer, removeDir, skipUnlessTools } from '../../../test/e2e/harness.js';
import { runBerth } from '../../testing/cli.js';
import { Readable } from 'node:stream';
import { RegistryClient } from '../../platform/registry-client/index.js';
import { generateKeyPairFiles, OCI_MANIFEST_TYPE, sha256Digest } from '../sign/index.js';

const KEY_PASSWORD = 'key-pass';

describe('berth sign and verify over HTTPS', { skip: skipUnlessTools('openssl'), timeout: 240_000 }, () => {
  let work: string;
  let ca: TestCa;
  let server: RegistryServer;
  let image: string;
  let keyPath: string;
  let pubPath: string;
  const env = { COSIGN_PASSWORD: KEY_PASSWORD, BERTH_REGISTRY_USERNAME: ADMIN_USER, BERTH_REGISTRY_PASSWORD: ADMIN_PASSWORD };

  before(async () => {
    work = makeTempDir('sign-https');
    ca = await makeTestCa(join(work, 'ca'));
    const certificate = await issueServerCertificate(ca, 'server', '0c03');
    server = await RegistryServer.start({ BERTH_SERVER_TLS_CERT: certificate.cert, BERTH_SERVER_TLS_KEY: certificate.key });
    const client = new RegistryClient({
      url: `https://${server.host}`,
      insecure: true,
      allowPrivateNetworks: true,
      credential: { type: 'basic', username: ADMIN_USER, password: ADMIN_PASSWORD },
    });
    const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
    const layer = Buffer.from('a layer served over TLS');
    for (const blob of [config, layer]) await client.pushBlob('library/tls', sha256Digest(blob), blob.length, async () => Readable.from([blob]));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST_TYPE,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: sha256Digest(config) },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', size: layer.length, digest: sha256Digest(layer) }],
      }),
    );
    await client.putManifest('library/tls', 'v1', manifest, OCI_MANIFEST_TYPE);
    image = `${server.host}/library/tls@${sha256Digest(manifest)}`;
    const keys = await generateKeyPairFiles(KEY_PASSWORD);
    keyPath = join(work, 'cosign.key');
    pubPath = join(work, 'cosign.pub');
    writeFileSync(keyPath, keys.privateKey);
    writeFileSync(pubPath, keys.publicKey);
  });

  after(async () => {
    await server?.stop();
    if (work) removeDir(work);
  });

  it('refuses an untrusted certificate with a hint, signs when the CA is trusted, verifies with --insecure', async () => {
    const untrusted = await runBerth(['sign', '--key', keyPath, image], env);
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, new RegExp(`berth sign: TLS certificate of https://${server.host} not trusted .*; use --insecure to accept it`));

    const trusted = await runBerth(['sign', '--key', keyPath, image], { ...env, NODE_EXTRA_CA_CERTS: ca.cert });
    assert.equal(trusted.code, 0, trusted.stderr);

    const verified = await runBerth(['verify', '--key', pubPath, '--insecure', image], env);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /1 of 1 signature\(s\) verified/);
  });
});
