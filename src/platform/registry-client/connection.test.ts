/**
 * TLS verification (on by default, a custom CA, insecure), retries of 503/429 honouring
 * Retry-After, and cached tokens expiring: against CNCF distribution over TLS and Berth.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { issueServerCertificate, makeTestCa } from '../../../test/e2e/certificates.js';
import { makeTempDir, removeDir, skipUnlessTools } from '../../../test/e2e/harness.js';
import { api, expectJson } from '../../testing/api.js';
import { testDialects } from '../../testing/dialects.js';
import { startDistribution, type DistributionServer } from '../../testing/distribution.js';
import { imageManifest, openBuffer, sha256OfStream, smallBlob } from '../../testing/registry-content.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../testing/server.js';
import { OCI_MANIFEST_TYPE, RegistryClient, type RegistryError } from './index.js';

describe('TLS verification against CNCF distribution over HTTPS', { skip: skipUnlessTools('docker-registry', 'openssl'), timeout: 120_000 }, () => {
  let work: string;
  let registry: DistributionServer;
  let caPem: string;

  before(async () => {
    work = makeTempDir('registry-client-tls');
    const ca = await makeTestCa(join(work, 'ca'));
    const certificate = await issueServerCertificate(ca, 'registry', '0c05');
    caPem = readFileSync(ca.cert, 'utf8');
    registry = await startDistribution({ tls: certificate });
  });
  after(async () => {
    await registry?.stop();
    if (work) removeDir(work);
  });

  it('refuses a certificate no trusted CA issued, trusts it with the CA given, accepts it when insecure', async () => {
    await assert.rejects(new RegistryClient({ url: registry.url, allowPrivateNetworks: true }).ping(), {
      reason: 'tls',
      message: /TLS certificate of https:\/\/127\.0\.0\.1:\d+ not trusted/,
    });
    const trusting = new RegistryClient({ url: registry.url, allowPrivateNetworks: true, caCertPem: caPem });
    await trusting.ping();
    const blob = smallBlob('over TLS');
    await trusting.pushBlob('tls/app', blob.digest, blob.bytes.length, openBuffer(blob.bytes));
    assert.deepEqual(await trusting.headBlob('tls/app', blob.digest), { size: blob.bytes.length });
    await new RegistryClient({ url: registry.url, allowPrivateNetworks: true, insecure: true }).ping();
  });
});

describe('retries and the token cache against Berth', { timeout: 120_000 }, () => {
  let server: TestServer;
  let proxy: http.Server;
  let proxyUrl: string;
  let tokenRequests = 0;
  /** Answers the proxy still owes with 503 (then 429) and a Retry-After, before forwarding again. */
  let refusals = 0;
  let refused = 0;
  /** Blob storage the front redirects blob reads to (as Berth on S3 does with presigned URLs). */
  let storage: http.Server;
  let storageUrl = '';
  const storageSaw: Array<string | undefined> = [];
  const stored = new Map<string, Buffer>();

  before(async () => {
    server = await startTestServer(testDialects()[0]!, {}, undefined, {
      prepare: (app) =>
        app.addHook('onRequest', async (request) => {
          if (request.url.startsWith('/service/token')) tokenRequests++;
        }),
    });
    await expectJson(await api(server.url, 'POST', '/projects', { body: { project_name: 'team', metadata: { public: 'false' } } }), 201);
    const target = new URL(server.url);
    // An overloaded front (a load balancer shedding load) in front of Berth.
    storage = http.createServer((request, response) => {
      storageSaw.push(request.headers.authorization);
      const bytes = stored.get(request.url?.slice(1) ?? '');
      response.writeHead(bytes ? 200 : 404, { 'content-length': bytes?.length ?? 0 });
      response.end(bytes);
    });
    await new Promise<void>((resolve) => storage.listen(0, '127.0.0.1', resolve));
    storageUrl = `http://127.0.0.1:${(storage.address() as { port: number }).port}`;
    proxy = http.createServer((request, response) => {
      const redirected = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(request.url ?? '')?.[1];
      if (request.method === 'GET' && redirected && stored.has(redirected)) {
        response.writeHead(307, { location: `${storageUrl}/${redirected}` });
        return void response.end();
      }
      if (refusals > 0 && request.url?.includes('/manifests/')) {
        refusals--;
        refused++;
        response.writeHead(refusals % 2 === 0 ? 503 : 429, { 'retry-after': '1', 'content-type': 'application/json' });
        return void response.end('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}');
      }
      const upstream = http.request({ host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      request.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  });
  after(async () => {
    proxy?.closeAllConnections();
    await new Promise((resolve) => proxy?.close(resolve));
    storage?.closeAllConnections();
    await new Promise((resolve) => storage?.close(resolve));
    await server?.close();
  });

  const credential = { type: 'basic' as const, username: 'admin', password: ADMIN_PASSWORD };

  it('retries a manifest read answered 503 and 429, waiting as Retry-After asks, and gives up after bounded attempts', async () => {
    const client = new RegistryClient({ url: proxyUrl, allowPrivateNetworks: true, credential });
    const config = smallBlob('{"architecture":"amd64","os":"linux"}');
    const layer = smallBlob('retried');
    for (const blob of [config, layer]) await client.pushBlob('team/retry', blob.digest, blob.bytes.length, openBuffer(blob.bytes));
    const manifest = imageManifest(config, layer);
    await client.putManifest('team/retry', 'v1', manifest.bytes, OCI_MANIFEST_TYPE);

    refusals = 2;
    refused = 0;
    assert.equal((await client.getManifest('team/retry', 'v1'))?.digest, manifest.digest);
    assert.equal(refused, 2);

    refusals = 100;
    await assert.rejects(client.headManifest('team/retry', 'v1'), (err: RegistryError) => err.status === 429 || err.status === 503);
    assert.equal(refused, 2 + 5, 'five attempts, then the error');
    refusals = 0;
  });

  it('fetches a new token once the cached one has expired, and not before', async () => {
    let now = Date.now();
    const client = new RegistryClient({ url: server.url, allowPrivateNetworks: true, credential }, { now: () => now });
    const blob = smallBlob('expiring');
    await client.pushBlob('team/expiry', blob.digest, blob.bytes.length, openBuffer(blob.bytes));
    const before = tokenRequests;
    await client.headBlob('team/expiry', blob.digest);
    now += 20_000;
    await client.headBlob('team/expiry', blob.digest);
    assert.equal(tokenRequests - before, 1, 'one pull token, still fresh 20 s later');
    now += 2 * 60 * 60 * 1000;
    await client.headBlob('team/expiry', blob.digest);
    assert.equal(tokenRequests - before, 2, 'renewed after it expired');
  });

  it('follows a blob read redirected to storage elsewhere, without taking the credentials there', async () => {
    const client = new RegistryClient({ url: proxyUrl, allowPrivateNetworks: true, credential });
    const blob = smallBlob('kept in object storage');
    await client.pushBlob('team/redirect', blob.digest, blob.bytes.length, openBuffer(blob.bytes));
    stored.set(blob.digest, blob.bytes);
    const { stream, size } = await client.getBlob('team/redirect', blob.digest);
    assert.equal(size, blob.bytes.length);
    assert.equal(await sha256OfStream(stream), blob.digest);
    assert.deepEqual(storageSaw, [undefined]);
  });
});

describe('time bounds', () => {
  it('gives up on a manifest that trickles in, and on an answer that never comes', async () => {
    // A registry gone wrong: one byte of a manifest every 100 ms, or headers and then silence.
    const timers = new Set<NodeJS.Timeout>();
    const server = http.createServer((request, response) => {
      if (request.url?.endsWith('/silent')) return void response.writeHead(200, { 'content-type': OCI_MANIFEST_TYPE });
      response.writeHead(200, { 'content-type': OCI_MANIFEST_TYPE });
      const timer = setInterval(() => response.write(' '), 100);
      timers.add(timer);
      response.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const client = new RegistryClient({ url, allowPrivateNetworks: true, timeoutMs: 600 });
      await assert.rejects(client.getManifest('slow/app', 'trickle'), { reason: 'timeout', message: /took longer than 0.6 s/ });
      const silent = new RegistryClient({ url, allowPrivateNetworks: true, timeoutMs: 300 });
      await assert.rejects(silent.getManifest('slow/app', 'silent'), { reason: 'timeout', message: /silent for 0.3 s|took longer than 0.3 s/ });
    } finally {
      for (const timer of timers) clearInterval(timer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
