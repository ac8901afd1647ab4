/**
 * Content trust with real clients: skopeo pushes into a project with cosign content trust on,
 * podman's pull is refused with Harbor's message, `berth sign` signs the image and the same pull
 * goes through; with a verified signature required, only a signature by a trusted key counts;
 * and a signature pushed before its image attaches when the image arrives.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tarOf } from '../../src/scan/testing/vulnerable-image.suite.js';
import { runBerth } from '../../src/testing/cli.js';
import { basic, TestClient } from '../../src/testing/client.js';
import { pushCosignSignature } from '../../src/trust/testing/cosign-signature.suite.js';
import { decryptPrivateKey, generateKeyPairFiles } from '../../src/trust/sign/index.js';
import { ADMIN_PASSWORD, ADMIN_USER, BERTH_ONLY, ClientEnv, makeTempDir, RegistryServer, removeDir, skipUnlessTools, writeImageLayout } from './harness.js';

const TOOLS = ['skopeo', 'podman'];
const PROJECT = 'trusted-e2e';
const KEY_PASSWORD = 'key password for the e2e test';

/** An OCI layout with a one-file image, written here so the test needs no image builder. */
async function writeLayout(dir: string, tag: string, content: string): Promise<string> {
  return writeImageLayout(dir, tag, await tarOf({ 'hello.txt': content })).digest;
}

describe('content trust with skopeo, podman and berth sign', { skip: BERTH_ONLY || skipUnlessTools(...TOOLS), timeout: 300_000 }, () => {
  let server: RegistryServer;
  let work: string;
  let client: ClientEnv;
  let keys: { trusted: string; stranger: string; trustedPub: string };
  const auth = basic(ADMIN_USER, ADMIN_PASSWORD);
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${server.url}/api/v2.0${path}`, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const image = (name: string) => `${server.host}/${PROJECT}/${name}`;
  const push = async (name: string, content: string) => {
    const layout = join(work, name);
    await writeLayout(layout, 'v1', content);
    await client.skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', `${ADMIN_USER}:${ADMIN_PASSWORD}`, `oci:${layout}:v1`, `docker://${image(name)}:v1`]);
  };
  const pull = (name: string) => client.podman(['pull', '--tls-verify=false', `${image(name)}:v1`], { allowFail: true });
  const sign = (name: string, key: string) =>
    runBerth(['sign', '--key', key, '--plain-http', `${image(name)}:v1`], {
      COSIGN_PASSWORD: KEY_PASSWORD,
      BERTH_REGISTRY_USERNAME: ADMIN_USER,
      BERTH_REGISTRY_PASSWORD: ADMIN_PASSWORD,
    });

  before(async () => {
    server = await RegistryServer.start();
    work = makeTempDir('trust');
    client = new ClientEnv(join(work, 'client'), server.host);
    await client.podman(['login', '--tls-verify=false', '-u', ADMIN_USER, '-p', ADMIN_PASSWORD, server.host]);
    assert.equal((await api('POST', '/projects', { project_name: PROJECT, metadata: { enable_content_trust_cosign: 'true' } })).status, 201);
    const [trusted, stranger] = await Promise.all([generateKeyPairFiles(KEY_PASSWORD), generateKeyPairFiles(KEY_PASSWORD)]);
    keys = { trusted: join(work, 'trusted.key'), stranger: join(work, 'stranger.key'), trustedPub: trusted.publicKey };
    writeFileSync(keys.trusted, trusted.privateKey, { mode: 0o600 });
    writeFileSync(keys.stranger, stranger.privateKey, { mode: 0o600 });
  });
  after(async () => {
    await server?.stop();
    if (work) removeDir(work);
  });

  test('podman is refused an unsigned image with Harbor’s message; after berth sign the same pull works', async () => {
    await push('app', 'hello, signed world\n');
    const refused = await pull('app');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /The image is not signed by cosign\./);
    const signed = await sign('app', keys.trusted);
    assert.equal(signed.code, 0, signed.stderr);
    const pulled = await pull('app');
    assert.equal(pulled.code, 0, pulled.stderr);
  });

  test('with a verified signature required, a signature by an untrusted key is refused, a trusted one passes', async () => {
    await push('strange', 'signed by a stranger\n');
    assert.equal((await sign('strange', keys.stranger)).code, 0);
    assert.equal((await api('PUT', `/projects/${PROJECT}`, { metadata: { require_verified_signature: 'true' } })).status, 200);
    assert.equal((await api('POST', `/projects/${PROJECT}/trust/material`, { kind: 'cosign-key', name: 'release', pem: keys.trustedPub })).status, 201);
    const refused = await pull('strange');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /The image has no cosign signature that verifies against the project's trusted keys\./);
    const pulled = await pull('app');
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.equal((await api('PUT', `/projects/${PROJECT}`, { metadata: { require_verified_signature: 'false' } })).status, 200);
  });

  test('a signature pushed before its image attaches when skopeo pushes the image', async () => {
    // Learn the digest the layout will have, sign it, then push the image.
    const layout = join(work, 'early');
    const digest = await writeLayout(layout, 'v1', 'signed before it was pushed\n');
    const registry = new TestClient(server.url, auth);
    await pushCosignSignature(registry, `${PROJECT}/early`, digest, { privateKey: await decryptPrivateKey(readFileSync(keys.trusted, 'utf8'), KEY_PASSWORD) });
    assert.notEqual((await pull('early')).code, 0, 'no image yet');
    await client.skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', `${ADMIN_USER}:${ADMIN_PASSWORD}`, `oci:${layout}:v1`, `docker://${image('early')}:v1`]);
    const pulled = await pull('early');
    assert.equal(pulled.code, 0, pulled.stderr);
    const artifacts = (await (await api('GET', `/projects/${PROJECT}/repositories/early/artifacts?with_accessory=true`)).json()) as Array<{
      digest: string;
      accessories: Array<{ type: string }>;
    }>;
    assert.deepEqual(
      artifacts.map((a) => [a.digest, a.accessories.map((x) => x.type)]),
      [[digest, ['signature.cosign']]],
    );
  });
});
