/** The registry client against CNCF distribution 2.8 (Debian's docker-registry): anonymous and with htpasswd Basic auth. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { skipUnlessTools } from '../../../test/e2e/harness.js';
import { startDistribution, type DistributionServer } from '../../testing/distribution.js';
import { generatedBlob, imageIndex, imageManifest, openBuffer, sha256OfStream, smallBlob, type SmallBlob } from '../../testing/registry-content.js';
import { OCI_INDEX_TYPE, OCI_MANIFEST_TYPE, RegistryClient, RegistryError } from './index.js';

const USER = 'alice';
const PASSWORD = 'distribution-Passw0rd';

async function collect(names: AsyncIterable<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const name of names) all.push(name);
  return all;
}

async function pushImage(client: RegistryClient, repository: string, tag: string, label: string): Promise<{ manifest: SmallBlob; layer: SmallBlob }> {
  const config = smallBlob(`{"architecture":"amd64","os":"linux","label":"${label}"}`);
  const layer = smallBlob(`layer of ${repository}:${label}`);
  for (const blob of [config, layer]) await client.pushBlob(repository, blob.digest, blob.bytes.length, openBuffer(blob.bytes));
  const manifest = imageManifest(config, layer);
  const put = await client.putManifest(repository, tag, manifest.bytes, OCI_MANIFEST_TYPE);
  assert.equal(put.digest, manifest.digest);
  return { manifest, layer };
}

describe('registry client against CNCF distribution', { skip: skipUnlessTools('docker-registry', 'perl'), timeout: 300_000 }, () => {
  let open: DistributionServer;
  let basic: DistributionServer;

  before(async () => {
    [open, basic] = await Promise.all([startDistribution(), startDistribution({ basicAuth: { username: USER, password: PASSWORD } })]);
  });
  after(async () => {
    await Promise.all([open?.stop(), basic?.stop()]);
  });

  it('refuses a loopback registry unless private networks are allowed', async () => {
    const guarded = new RegistryClient({ url: open.url });
    await assert.rejects(guarded.ping(), (err: RegistryError) => err instanceof RegistryError && err.reason === 'private-network');
    await new RegistryClient({ url: open.url, allowPrivateNetworks: true }).ping();
  });

  it('ping tells an unreachable host, a missing or wrong password and a non-registry apart', async () => {
    const client = (password?: string) =>
      new RegistryClient({ url: basic.url, allowPrivateNetworks: true, ...(password ? { credential: { type: 'basic', username: USER, password } } : {}) });
    await client(PASSWORD).ping();
    await assert.rejects(client().ping(), { reason: 'credentials-required', status: 401, message: `${basic.host} requires authentication (401 Unauthorized)` });
    await assert.rejects(client('wrong').ping(), {
      reason: 'unauthorized',
      status: 401,
      message: `${basic.host} refused the credentials of "alice" (401 Unauthorized)`,
    });
    const closed = new RegistryClient({ url: 'http://127.0.0.1:9', allowPrivateNetworks: true });
    await assert.rejects(closed.ping(), { reason: 'unreachable', message: /connection refused/ });
    const tlsToPlain = new RegistryClient({ url: `https://${basic.host}`, allowPrivateNetworks: true });
    await assert.rejects(tlsToPlain.ping(), { reason: 'plain-http' });
  });

  it('round-trips an image index with Basic credentials, and lists tags and the catalog page by page', async () => {
    const client = new RegistryClient({ url: basic.url, allowPrivateNetworks: true, credential: { type: 'basic', username: USER, password: PASSWORD } });
    const amd = await pushImage(client, 'team/app', 'amd64', 'amd64');
    const arm = await pushImage(client, 'team/app', 'arm64', 'arm64');
    const index = imageIndex([
      { manifest: amd.manifest, architecture: 'amd64' },
      { manifest: arm.manifest, architecture: 'arm64' },
    ]);
    assert.deepEqual(await client.putManifest('team/app', 'multi', index.bytes, OCI_INDEX_TYPE), { digest: index.digest });

    const head = await client.headManifest('team/app', 'multi');
    assert.deepEqual(head, { digest: index.digest, mediaType: OCI_INDEX_TYPE, size: index.bytes.length });
    const got = await client.getManifest('team/app', index.digest);
    assert.equal(got?.mediaType, OCI_INDEX_TYPE);
    assert.ok(got?.bytes.equals(index.bytes));
    assert.equal(await client.getManifest('team/app', 'no-such-tag'), undefined);
    assert.equal(await client.headManifest('team/app', 'no-such-tag'), undefined);

    for (let i = 0; i < 7; i++) await client.putManifest('team/app', `v${i}`, amd.manifest.bytes, OCI_MANIFEST_TYPE);
    const tags = await collect(client.listTags('team/app', { pageSize: 2 }));
    assert.deepEqual(tags.sort(), ['amd64', 'arm64', 'multi', 'v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6']);

    for (const name of ['a/one', 'b/two', 'c/three', 'd/four']) await pushImage(client, name, 'latest', name);
    assert.deepEqual(await collect(client.catalog({ pageSize: 2 })), ['a/one', 'b/two', 'c/three', 'd/four', 'team/app']);

    await client.deleteManifest('team/app', arm.manifest.digest);
    assert.equal(await client.headManifest('team/app', arm.manifest.digest), undefined);
  });

  it('checks blobs, mounts across repositories, reads blobs as streams from an offset', async () => {
    const client = new RegistryClient({ url: open.url, allowPrivateNetworks: true });
    const { layer } = await pushImage(client, 'source/app', 'v1', 'mount');
    assert.deepEqual(await client.headBlob('source/app', layer.digest), { size: layer.bytes.length });
    assert.equal(await client.headBlob('target/app', layer.digest), undefined);

    assert.equal(await client.mountBlob('target/app', layer.digest, 'source/app'), true);
    assert.deepEqual(await client.headBlob('target/app', layer.digest), { size: layer.bytes.length });
    const unknown = smallBlob('in no repository at all');
    assert.equal(await client.mountBlob('target/app', unknown.digest, 'source/app'), false);

    const whole = await client.getBlob('target/app', layer.digest);
    assert.equal(whole.size, layer.bytes.length);
    assert.equal(await sha256OfStream(whole.stream), layer.digest);
    const tail = await client.getBlob('target/app', layer.digest, { offset: 9 });
    const chunks: Buffer[] = [];
    for await (const chunk of tail.stream) chunks.push(chunk as Buffer);
    assert.deepEqual(Buffer.concat(chunks), layer.bytes.subarray(9));
    assert.equal(tail.size, layer.bytes.length);

    await assert.rejects(client.getBlob('target/app', unknown.digest), { status: 404, code: 'BLOB_UNKNOWN', message: /BLOB_UNKNOWN/ });
  });

  it('pushes a blob in chunks, reporting acknowledged bytes, and the registry holds it byte for byte', async () => {
    const client = new RegistryClient({ url: basic.url, allowPrivateNetworks: true, credential: { type: 'basic', username: USER, password: PASSWORD } });
    const blob = generatedBlob(5 * 1024 * 1024 + 123);
    const digest = await blob.digest();
    const progress: number[] = [];
    const result = await client.pushBlob('big/app', digest, blob.size, blob.open, { chunkSize: 1024 * 1024, onProgress: (n) => progress.push(n) });
    assert.equal(result.bytesSent, blob.size);
    assert.deepEqual(progress, [1, 2, 3, 4, 5].map((mib) => mib * 1024 * 1024).concat([blob.size]));
    const stored = await client.getBlob('big/app', digest);
    assert.equal(await sha256OfStream(stored.stream), digest);
  });

  it('has no referrers API: referrers() says so with undefined', async () => {
    const client = new RegistryClient({ url: open.url, allowPrivateNetworks: true });
    const { manifest } = await pushImage(client, 'refs/app', 'v1', 'refs');
    assert.equal(await client.referrers('refs/app', manifest.digest), undefined);
  });

  it('refuses bad names before sending anything', async () => {
    const client = new RegistryClient({ url: open.url, allowPrivateNetworks: true });
    await assert.rejects(client.getManifest('../etc', 'latest'), { reason: 'invalid' });
    await assert.rejects(client.headBlob('ok/app', 'sha256:../../x'), { reason: 'invalid' });
  });
});
