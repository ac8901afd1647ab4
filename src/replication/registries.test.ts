import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { createUser, hashPassword } from '../auth/index.js';
import { api, expectJson } from '../testing/api.js';
import { basic } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { assertMatchesHarbor } from '../testing/harbor-schema.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../testing/server.js';
import { issueServerCertificate, makeTestCa } from '../../test/e2e/certificates.js';
import { skipUnlessTools } from '../../test/e2e/harness.js';
import { RegistryInfoShape, RegistryProviderInfoShape, RegistryShape } from './shapes.js';
import { startDistribution, type DistributionServer as Distribution } from '../testing/distribution.js';

type Json = Record<string, unknown>;

const REMOTE_USER = 'replicator';
const REMOTE_PASSWORD = 'Remote-secret-Passw0rd-77';
const GUEST = basic('registries-guest', 'Passw0rd-guest');

/** A port nothing listens on: taken from a registry that was started and stopped. */
let closedUrl = '';

async function create(url: string, body: Json): Promise<number> {
  const res = await api(url, 'POST', '/registries', { body });
  await expectJson(res, 201);
  const location = res.headers.get('location') ?? '';
  assert.match(location, /^\/api\/v2\.0\/registries\/\d+$/);
  return Number(location.split('/').pop());
}

async function errorOf(res: Response, status: number): Promise<string> {
  const body = await expectJson<{ errors: Array<{ code: string; message: string }> }>(res, status);
  assert.equal(body.errors.length, 1);
  return body.errors[0]?.message ?? '';
}

for (const dialect of testDialects()) {
  describe(`registry endpoints (${dialect.name})`, { skip: skipUnlessTools('docker-registry', 'perl', 'openssl'), timeout: 240_000 }, () => {
    let server: TestServer;
    let remote: Distribution;
    let tlsRemote: Distribution;
    let caPem: string;
    let certDir: string;
    const logLines: string[] = [];

    before(async () => {
      const logger = pino(
        { level: 'debug' },
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            logLines.push(chunk.toString('utf8'));
            done();
          },
        }),
      );
      server = await startTestServer(dialect, {}, undefined, { logger });
      await createUser(server.database.db, { username: 'registries-guest', passwordHash: await hashPassword('Passw0rd-guest'), sysadmin: false, now: Date.now() });
      remote = await startDistribution({ basicAuth: { username: REMOTE_USER, password: REMOTE_PASSWORD } });
      certDir = mkdtempSync(join(tmpdir(), 'berth-registries-ca-'));
      const ca = await makeTestCa(certDir);
      caPem = readFileSync(ca.cert, 'utf8');
      tlsRemote = await startDistribution({ tls: await issueServerCertificate(ca, 'remote', '0a') });
      const closed = await startDistribution();
      closedUrl = closed.url;
      await closed.stop();
    });
    after(async () => {
      await server?.close();
      await remote?.stop();
      await tlsRemote?.stop();
      rmSync(certDir, { recursive: true, force: true });
    });

    it('creates an endpoint (201 + Location), checks it healthy, and never shows its secret', async () => {
      const id = await create(server.url, {
        name: 'distribution',
        description: 'the CNCF registry',
        url: `${remote.url}/`,
        type: 'docker-registry',
        insecure: false,
        credential: { type: 'basic', access_key: REMOTE_USER, access_secret: REMOTE_PASSWORD },
      });
      const registry = await expectJson<Json>(await api(server.url, 'GET', `/registries/${id}`), 200);
      assertMatchesHarbor('Registry', registry);
      // The shape the OpenAPI document declares is what is sent.
      RegistryShape.parse(registry);
      assert.equal(registry.name, 'distribution');
      assert.equal(registry.url, remote.url);
      assert.equal(registry.type, 'docker-registry');
      assert.equal(registry.status, 'healthy');
      assert.equal(registry.insecure, false);
      assert.deepEqual(registry.credential, { type: 'basic', access_key: REMOTE_USER, access_secret: '*****' });
      assert.ok(!Number.isNaN(Date.parse(String(registry.creation_time))));

      const stored = await server.database.db.selectFrom('registries').select('access_secret').where('id', '=', id).executeTakeFirstOrThrow();
      assert.ok(stored.access_secret.startsWith('v1:'));
      assert.ok(!stored.access_secret.includes(REMOTE_PASSWORD));

      await expectJson(await api(server.url, 'POST', '/registries/ping', { body: { id } }), 200);
      const info = await expectJson<Json>(await api(server.url, 'GET', `/registries/${id}/info`), 200);
      assertMatchesHarbor('RegistryInfo', info);
      RegistryInfoShape.parse(info);
      assert.equal(info.type, 'docker-registry');
      assert.deepEqual(info.supported_triggers, ['manual', 'scheduled']);
    });

    it('answers 409 for a name in use, on create and on rename', async () => {
      await create(server.url, { name: 'dup-a', url: remote.url, type: 'docker-registry' });
      const b = await create(server.url, { name: 'dup-b', url: remote.url, type: 'docker-registry' });
      assert.match(
        await errorOf(await api(server.url, 'POST', '/registries', { body: { name: 'dup-a', url: remote.url, type: 'harbor' } }), 409),
        /dup-a already exists/,
      );
      assert.match(await errorOf(await api(server.url, 'PUT', `/registries/${b}`, { body: { name: 'dup-a' } }), 409), /already exists/);
    });

    it('lists with paging, q, the deprecated name parameter and sort', async () => {
      for (const name of ['list-one', 'list-two', 'list-three']) await create(server.url, { name, url: remote.url, type: 'docker-registry' });
      const page = await api(server.url, 'GET', '/registries?q=name%3D~list-&page=1&page_size=2&sort=name');
      const rows = await expectJson<Json[]>(page, 200);
      assert.equal(page.headers.get('x-total-count'), '3');
      assert.match(page.headers.get('link') ?? '', /rel="next"/);
      assert.deepEqual(
        rows.map((r) => r.name),
        ['list-one', 'list-three'],
      );
      for (const row of rows) assertMatchesHarbor('Registry', row);
      const byName = await expectJson<Json[]>(await api(server.url, 'GET', '/registries?name=LIST-TW'), 200);
      assert.deepEqual(
        byName.map((r) => r.name),
        ['list-two'],
      );
      const exact = await expectJson<Json[]>(await api(server.url, 'GET', '/registries?q=name%3Dlist-two'), 200);
      assert.equal(exact.length, 1);
      await errorOf(await api(server.url, 'GET', '/registries?q=password%3Dx'), 400);
      await errorOf(await api(server.url, 'GET', '/registries?sort=access_secret'), 400);
    });

    it('keeps the stored secret when an update leaves it out, and follows a changed one', async () => {
      const id = await create(server.url, {
        name: 'updatable',
        url: remote.url,
        type: 'docker-registry',
        credential: { type: 'basic', access_key: REMOTE_USER, access_secret: REMOTE_PASSWORD },
      });
      await expectJson(await api(server.url, 'PUT', `/registries/${id}`, { body: { description: 'renamed', name: 'updated', access_key: REMOTE_USER } }), 200);
      let registry = await expectJson<Json>(await api(server.url, 'GET', `/registries/${id}`), 200);
      assert.equal(registry.name, 'updated');
      assert.equal(registry.description, 'renamed');
      assert.equal(registry.status, 'healthy');
      assert.equal((registry.credential as Json).access_secret, '*****');
      // The mask sent back as it was shown is "unchanged" too.
      await expectJson(await api(server.url, 'PUT', `/registries/${id}`, { body: { access_secret: '*****' } }), 200);
      await expectJson(await api(server.url, 'POST', '/registries/ping', { body: { id } }), 200);

      await expectJson(await api(server.url, 'PUT', `/registries/${id}`, { body: { access_secret: 'not-the-password' } }), 200);
      registry = await expectJson<Json>(await api(server.url, 'GET', `/registries/${id}`), 200);
      assert.equal(registry.status, 'unhealthy');
      assert.match(
        await errorOf(await api(server.url, 'POST', '/registries/ping', { body: { id } }), 400),
        /unhealthy: 127\.0\.0\.1:\d+ refused the credentials of "replicator" \(401 Unauthorized\)/,
      );
      // A ping by id with a secret in the body tries that one, and leaves the stored status alone.
      await expectJson(await api(server.url, 'POST', '/registries/ping', { body: { id, access_secret: REMOTE_PASSWORD } }), 200);
      assert.equal((await expectJson<Json>(await api(server.url, 'GET', `/registries/${id}`), 200)).status, 'unhealthy');

      await expectJson(await api(server.url, 'PUT', `/registries/${id}`, { body: { access_secret: REMOTE_PASSWORD } }), 200);
      assert.equal((await expectJson<Json>(await api(server.url, 'GET', `/registries/${id}`), 200)).status, 'healthy');
    });

    it('pings a whole endpoint: healthy, wrong password, a closed port, no credentials', async () => {
      const ping = (body: Json) => api(server.url, 'POST', '/registries/ping', { body });
      await expectJson(await ping({ type: 'docker-registry', url: remote.url, access_key: REMOTE_USER, access_secret: REMOTE_PASSWORD }), 200);
      assert.match(
        await errorOf(await ping({ type: 'docker-registry', url: remote.url, access_key: REMOTE_USER, access_secret: 'wrong' }), 400),
        /refused the credentials of "replicator"/,
      );
      assert.match(await errorOf(await ping({ type: 'docker-registry', url: remote.url }), 400), /requires authentication \(401 Unauthorized\)/);
      assert.match(
        await errorOf(await ping({ type: 'docker-registry', url: closedUrl }), 400),
        /unhealthy: cannot connect to http:\/\/127\.0\.0\.1:\d+: connection refused/,
      );
      assert.match(await errorOf(await ping({ url: remote.url }), 400), /give the id of a registry, or its type and url/);
      await errorOf(await ping({ id: 999_999 }), 404);

      const closedId = await create(server.url, { name: 'closed', url: closedUrl, type: 'docker-registry' });
      const closed = await expectJson<Json>(await api(server.url, 'GET', `/registries/${closedId}`), 200);
      assert.equal(closed.status, 'unhealthy');
    });

    it('reaches Berth itself through its token service', async () => {
      const id = await create(server.url, {
        name: 'berth-itself',
        url: server.url,
        type: 'harbor',
        credential: { type: 'basic', access_key: 'admin', access_secret: ADMIN_PASSWORD },
      });
      assert.equal((await expectJson<Json>(await api(server.url, 'GET', `/registries/${id}`), 200)).status, 'healthy');
      assert.match(
        await errorOf(
          await api(server.url, 'POST', '/registries/ping', { body: { type: 'harbor', url: server.url, access_key: 'admin', access_secret: 'Wrong-passw0rd' } }),
          400,
        ),
        /refused the credential/,
      );
      const info = await expectJson<Json>(await api(server.url, 'GET', `/registries/${id}/info`), 200);
      assert.ok((info.supported_triggers as string[]).includes('event_based'));
    });

    it('verifies TLS against the endpoint CA, or not at all when insecure', async () => {
      const untrusted = await create(server.url, { name: 'tls-untrusted', url: tlsRemote.url, type: 'docker-registry' });
      assert.equal((await expectJson<Json>(await api(server.url, 'GET', `/registries/${untrusted}`), 200)).status, 'unhealthy');
      const trusted = await create(server.url, { name: 'tls-ca', url: tlsRemote.url, type: 'docker-registry', ca_certificate: caPem });
      const registry = await expectJson<Json>(await api(server.url, 'GET', `/registries/${trusted}`), 200);
      assert.equal(registry.status, 'healthy');
      assert.equal(registry.ca_certificate, caPem.trim());
      const insecure = await create(server.url, { name: 'tls-insecure', url: tlsRemote.url, type: 'docker-registry', insecure: true });
      assert.equal((await expectJson<Json>(await api(server.url, 'GET', `/registries/${insecure}`), 200)).status, 'healthy');
      // Clearing the CA falls back to the system's CAs.
      await expectJson(await api(server.url, 'PUT', `/registries/${trusted}`, { body: { ca_certificate: '' } }), 200);
      assert.equal((await expectJson<Json>(await api(server.url, 'GET', `/registries/${trusted}`), 200)).status, 'unhealthy');
    });

    it('refuses bad input with 400 and unknown ids with 404', async () => {
      const bad = async (body: Json, pattern: RegExp) => assert.match(await errorOf(await api(server.url, 'POST', '/registries', { body }), 400), pattern);
      await bad({ name: 'x', url: 'ftp://registry.example', type: 'docker-registry' }, /http:\/\/ or https:\/\/ URL/);
      await bad({ name: 'x', url: 'https://user:pass@registry.example', type: 'docker-registry' }, /without credentials/);
      await bad({ name: 'x', url: `https://registry.example/${'a'.repeat(2100)}`, type: 'docker-registry' }, /url/);
      await bad({ name: 'x', url: 'not a url', type: 'docker-registry' }, /url/);
      await bad({ name: 'x', url: remote.url, type: 'ali-acr' }, /type must be one of harbor, docker-hub/);
      await bad({ url: remote.url, type: 'docker-registry' }, /name/);
      await bad({ name: 'x', url: remote.url, type: 'docker-registry', ca_certificate: 'not a certificate' }, /ca_certificate must be PEM/);
      await bad({ name: 'x', url: remote.url, type: 'docker-registry', ca_certificate: 'x'.repeat(70_000) }, /ca_certificate/);
      await bad({ name: 'x', url: remote.url, type: 'docker-registry', credential: { access_secret: 'secret-only' } }, /needs access_key/);
      await bad({ name: 'x', url: remote.url, type: 'docker-registry', credential: { type: 'kerberos' } }, /basic or oauth/);
      await bad({ name: 'x', url: remote.url, type: 'docker-registry', insecure: 'yes' }, /insecure/);
      await errorOf(await api(server.url, 'GET', '/registries/abc'), 400);
      await errorOf(await api(server.url, 'GET', '/registries/999999'), 404);
      await errorOf(await api(server.url, 'PUT', '/registries/999999', { body: { description: 'x' } }), 404);
      await errorOf(await api(server.url, 'DELETE', '/registries/999999'), 404);
      await errorOf(await api(server.url, 'GET', '/registries/999999/info'), 404);
    });

    it('lists the adapters and describes them in Harbor shapes', async () => {
      const adapters = await expectJson<string[]>(await api(server.url, 'GET', '/replication/adapters'), 200);
      for (const type of ['harbor', 'docker-hub', 'docker-registry', 'quay', 'github-ghcr', 'gitlab', 'jfrog-artifactory']) assert.ok(adapters.includes(type), type);
      const infos = await expectJson<Record<string, Json>>(await api(server.url, 'GET', '/replication/adapterinfos'), 200);
      for (const info of Object.values(infos)) {
        assertMatchesHarbor('RegistryProviderInfo', info);
        RegistryProviderInfoShape.parse(info);
      }
      assert.deepEqual((infos['docker-hub']?.endpoint_pattern as Json).endpoints, [{ key: 'hub.docker.com', value: 'https://hub.docker.com' }]);
    });

    it('is for system administrators only: 403 for other users, 401 for anonymous', async () => {
      const id = await create(server.url, { name: 'rbac', url: remote.url, type: 'docker-registry' });
      const routes: Array<[string, string, Json?]> = [
        ['GET', '/registries'],
        ['POST', '/registries', { name: 'guest-made', url: remote.url, type: 'docker-registry' }],
        ['POST', '/registries/ping', { id }],
        ['GET', `/registries/${id}`],
        ['PUT', `/registries/${id}`, { description: 'guest' }],
        ['DELETE', `/registries/${id}`],
        ['GET', `/registries/${id}/info`],
        ['GET', '/replication/adapters'],
        ['GET', '/replication/adapterinfos'],
      ];
      for (const [method, path, body] of routes) {
        await errorOf(await api(server.url, method, path, { authorization: GUEST, ...(body ? { body } : {}) }), 403);
        await errorOf(await api(server.url, method, path, { authorization: null, ...(body ? { body } : {}) }), 401);
      }
      assert.equal((await expectJson<Json>(await api(server.url, 'GET', `/registries/${id}`), 200)).description, '');
    });

    it('deletes an endpoint, audits create, update and delete, and never logs the secret', async () => {
      const id = await create(server.url, {
        name: 'audited',
        url: remote.url,
        type: 'docker-registry',
        credential: { access_key: REMOTE_USER, access_secret: REMOTE_PASSWORD },
      });
      await expectJson(await api(server.url, 'PUT', `/registries/${id}`, { body: { description: 'audited' } }), 200);
      await expectJson(await api(server.url, 'DELETE', `/registries/${id}`), 200);
      await errorOf(await api(server.url, 'GET', `/registries/${id}`), 404);
      const logs = await expectJson<Json[]>(await api(server.url, 'GET', '/audit-logs?q=resource%3Daudited&page_size=10'), 200);
      assert.deepEqual(logs.map((entry) => `${String(entry.operation)} ${String(entry.resource_type)} ${String(entry.username)}`).sort(), [
        'create registry admin',
        'delete registry admin',
        'update registry admin',
      ]);

      const everything = await expectJson<Json[]>(await api(server.url, 'GET', '/registries?page_size=100'), 200);
      assert.ok(everything.length > 5);
      assert.ok(!JSON.stringify(everything).includes(REMOTE_PASSWORD));
      assert.ok(logLines.length > 0);
      assert.equal(logLines.filter((line) => line.includes(REMOTE_PASSWORD)).length, 0);
    });
  });
}
