/** The registry client against Berth itself (in process): token auth, the token cache, referrers, mounts, the catalog. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../../testing/api.js';
import { testDialects } from '../../testing/dialects.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../testing/server.js';
import { imageManifest, openBuffer, smallBlob, type SmallBlob } from '../../testing/registry-content.js';
import { OCI_MANIFEST_TYPE, RegistryClient, RegistryError, type RegistryConnection } from './index.js';

const [sqlite] = testDialects();

async function pushImage(
  client: RegistryClient,
  repository: string,
  tag: string,
  label: string,
  extra: Record<string, unknown> = {},
): Promise<{ manifest: SmallBlob; layer: SmallBlob }> {
  const config = smallBlob(`{"architecture":"amd64","os":"linux","label":"${label}"}`);
  const layer = smallBlob(`layer of ${repository}:${label}`);
  for (const blob of [config, layer]) await client.pushBlob(repository, blob.digest, blob.bytes.length, openBuffer(blob.bytes));
  const manifest = imageManifest(config, layer, extra);
  await client.putManifest(repository, tag, manifest.bytes, OCI_MANIFEST_TYPE);
  return { manifest, layer };
}

describe('registry client against Berth (token auth)', { timeout: 120_000 }, () => {
  let server: TestServer;
  let tokenRequests = 0;
  let connection: RegistryConnection;

  before(async () => {
    server = await startTestServer(sqlite!, {}, undefined, {
      prepare: (app) =>
        app.addHook('onRequest', async (request) => {
          if (request.url.startsWith('/service/token')) tokenRequests++;
        }),
    });
    // A private project: public ones answer anonymous pulls without any token.
    await expectJson(await api(server.url, 'POST', '/projects', { body: { project_name: 'team', metadata: { public: 'false' } } }), 201);
    connection = { url: server.url, allowPrivateNetworks: true, credential: { type: 'basic', username: 'admin', password: ADMIN_PASSWORD } };
  });
  after(async () => {
    await server?.close();
  });

  it('ping signs in through the token service, and tells missing and wrong credentials apart', async () => {
    await new RegistryClient(connection).ping();
    const host = new URL(server.url).host;
    await assert.rejects(new RegistryClient({ url: server.url, allowPrivateNetworks: true }).ping(), { reason: 'credentials-required', status: 401 });
    const wrong = new RegistryClient({ ...connection, credential: { type: 'basic', username: 'admin', password: 'wrong' } });
    await assert.rejects(wrong.ping(), { reason: 'unauthorized', status: 401, message: `${host} refused the credentials of "admin" (401 Unauthorized)` });
  });

  it('fetches one token per scope and reuses it across many requests, concurrent ones included', async () => {
    const pusher = new RegistryClient(connection);
    const { manifest, layer } = await pushImage(pusher, 'team/cached', 'v1', 'cached');

    const reader = new RegistryClient(connection);
    const before = tokenRequests;
    for (let i = 0; i < 20; i++) {
      assert.ok(await reader.headBlob('team/cached', layer.digest));
      assert.equal((await reader.getManifest('team/cached', 'v1'))?.digest, manifest.digest);
    }
    await Promise.all(Array.from({ length: 10 }, () => reader.headManifest('team/cached', 'v1')));
    assert.equal(tokenRequests - before, 1, 'one token for repository:team/cached:pull, fetched once');

    // Another scope is another token, fetched once too.
    await Promise.all(Array.from({ length: 5 }, () => reader.headBlob('team/other', layer.digest)));
    assert.equal(tokenRequests - before, 2);
  });

  it('sends a bearer credential as it is', async () => {
    const { layer } = await pushImage(new RegistryClient(connection), 'team/bearer', 'v1', 'bearer');
    const scope = encodeURIComponent('repository:team/bearer:pull');
    const challenge = (await fetch(`${server.url}/v2/`)).headers.get('www-authenticate') ?? '';
    const service = encodeURIComponent(/service="([^"]*)"/.exec(challenge)?.[1] ?? '');
    const answer = await fetch(`${server.url}/service/token?service=${service}&scope=${scope}`, {
      headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}` },
    });
    const { token } = (await answer.json()) as { token: string };
    const client = new RegistryClient({ url: server.url, allowPrivateNetworks: true, credential: { type: 'bearer', token } });
    const before = tokenRequests;
    assert.deepEqual(await client.headBlob('team/bearer', layer.digest), { size: layer.bytes.length });
    assert.equal(tokenRequests, before);
    await assert.rejects(client.putManifest('team/bearer', 'v2', Buffer.from('{}'), OCI_MANIFEST_TYPE), RegistryError);
  });

  it('lists referrers through the API, filtered by artifact type', async () => {
    const client = new RegistryClient(connection);
    const { manifest } = await pushImage(client, 'team/signed', 'v1', 'subject');
    const subject = { mediaType: OCI_MANIFEST_TYPE, size: manifest.bytes.length, digest: manifest.digest };
    const { manifest: sbom } = await pushImage(client, 'team/signed', 'sbom', 'sbom', { artifactType: 'application/spdx+json', subject });
    await pushImage(client, 'team/signed', 'sig', 'sig', { artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json', subject });

    const all = await client.referrers('team/signed', manifest.digest);
    assert.equal(all?.length, 2);
    const filtered = await client.referrers('team/signed', manifest.digest, 'application/spdx+json');
    assert.deepEqual(
      filtered?.map((d) => [d.digest, d.artifactType]),
      [[sbom.digest, 'application/spdx+json']],
    );
  });

  it('mounts a blob from another repository, and lists the catalog page by page', async () => {
    const client = new RegistryClient(connection);
    const { layer } = await pushImage(client, 'team/mount-source', 'v1', 'mount');
    assert.equal(await client.mountBlob('team/mount-target', layer.digest, 'team/mount-source'), true);
    assert.deepEqual(await client.headBlob('team/mount-target', layer.digest), { size: layer.bytes.length });

    const names: string[] = [];
    for await (const name of client.catalog({ pageSize: 2 })) names.push(name);
    for (const expected of ['team/cached', 'team/signed', 'team/mount-source']) assert.ok(names.includes(expected), `${expected} in ${names.join(', ')}`);
    assert.equal(new Set(names).size, names.length);
  });

  it("tells a user the registry does not let them push, with the registry's code and message", async () => {
    await expectJson(
      await api(server.url, 'POST', '/users', {
        body: { username: 'outsider', password: 'Outsider-Passw0rd', email: 'outsider@example.com', realname: 'outsider' },
      }),
      201,
    );
    const outsider = new RegistryClient({
      url: server.url,
      allowPrivateNetworks: true,
      credential: { type: 'basic', username: 'outsider', password: 'Outsider-Passw0rd' },
    });
    await outsider.ping();
    const before = tokenRequests;
    const manifest = Buffer.from('{"schemaVersion":2}');
    const refusal = await outsider.putManifest('team/cached', 'stolen', manifest, OCI_MANIFEST_TYPE).catch((err: unknown) => err);
    assert.ok(refusal instanceof RegistryError);
    assert.equal(refusal.reason, 'denied', refusal.message);
    assert.equal(refusal.status, 403);
    assert.equal(refusal.code, 'DENIED');
    assert.match(refusal.message, /^pushing manifest team\/cached:stolen: .* answered 403 \(DENIED: not allowed to push team\/cached\)$/);
    assert.equal(tokenRequests - before, 1, 'fresh credentials refused are not asked again');
  });

  it('creates a missing project through the Harbor API, once, and says why it cannot', async () => {
    const client = new RegistryClient(connection);
    assert.equal(await client.ensureHarborProject('arrivals', true), true);
    assert.equal(await client.ensureHarborProject('arrivals', true), false, 'there already');
    const project = await expectJson<{ metadata: { public: string } }>(await api(server.url, 'GET', '/projects/arrivals'), 200);
    assert.equal(project.metadata.public, 'true');
    const anonymous = new RegistryClient({ url: server.url, allowPrivateNetworks: true });
    await assert.rejects(anonymous.ensureHarborProject('strangers', false), { status: 401, message: /^checking for project strangers: .* answered 401$/ });
  });
});
