import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { runGc } from '../gc/fixtures.suite.js';
import { systemClock } from '../platform/clock.js';
import { api } from '../testing/api.js';
import { sha256, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';

/** More than any disk here has free: the guard trips without filling a disk. */
const ONE_PIB_IN_MIB = 1024 * 1024 * 1024;

interface ErrorBody {
  errors: Array<{ code: string; message: string }>;
}

interface Components {
  status: string;
  components: Array<{ name: string; status: string; error?: string }>;
}

const STORAGE_FULL =
  /^the registry's storage is full: [\d.]+ [KMGT]?i?B free for (blobs|the database), below the 1\.0 PiB minimum; deleting artifacts and running garbage collection frees space$/;

for (const dialect of testDialects()) {
  describe(`the free-space guard (${dialect.name})`, () => {
    let server: TestServer;
    // A second instance on the same database and storage, requiring more free space than there is.
    let guarded: FastifyInstance;
    let url: string;
    let client: TestClient;
    let image: { digest: string; manifest: { config: { digest: string }; layers: Array<{ digest: string }> } };

    before(async () => {
      server = await startTestServer(dialect, { gc: { graceMinutes: 0 }, jobs: { workers: 0 } });
      image = await new TestClient(server.url).pushImage('library/kept', 'v1');
      const config = {
        ...server.config,
        storage: { ...server.config.storage, minFreeMegabytes: ONE_PIB_IN_MIB },
        jobs: { ...server.config.jobs, workers: 1, pollIntervalMs: 50 },
      };
      guarded = await buildApp({ config, db: server.database, storage: server.storage, clock: systemClock });
      url = await guarded.listen({ host: '127.0.0.1', port: 0 });
      client = new TestClient(url);
    });
    after(async () => {
      await guarded?.close();
      await server?.close();
    });

    async function refused(res: Response, code = 'DENIED'): Promise<void> {
      assert.equal(res.status, 507);
      const body = (await res.json()) as ErrorBody;
      assert.equal(body.errors[0]!.code, code);
      assert.match(body.errors[0]!.message, STORAGE_FULL);
    }

    it('refuses new content with 507 below the minimum: blob uploads, manifests, mounts and copies', async () => {
      const data = Buffer.from('new layer');
      const octets = { 'content-type': 'application/octet-stream' };
      await refused(await client.request('POST', `/v2/library/new/blobs/uploads/?digest=${sha256(data)}`, { body: new Uint8Array(data), headers: octets }));
      await refused(await client.request('POST', '/v2/library/new/blobs/uploads/'));
      const mount = `/v2/library/new/blobs/uploads/?mount=${image.manifest.layers[0]!.digest}&from=library/kept`;
      await refused(await client.request('POST', mount, { scope: 'repository:library/new:pull,push repository:library/kept:pull' }));
      const manifest = JSON.stringify(image.manifest);
      const oci = { 'content-type': 'application/vnd.oci.image.manifest.v1+json' };
      await refused(await client.request('PUT', '/v2/library/kept/manifests/v2', { body: manifest, headers: oci }));
      const copy = await api(url, 'POST', `/projects/library/repositories/copied/artifacts?from=${encodeURIComponent(`library/kept@${image.digest}`)}`);
      await refused(copy, 'INSUFFICIENT_STORAGE');
    });

    it('refuses a chunk of an upload started before the disk filled up, and still lets it finish without one', async () => {
      const start = await new TestClient(server.url).request('POST', '/v2/library/kept/blobs/uploads/');
      assert.equal(start.status, 202);
      const location = start.headers.get('location')!;
      const data = Buffer.from('late chunk');
      await refused(await client.request('PATCH', location, { body: new Uint8Array(data), headers: { 'content-type': 'application/octet-stream' } }));
      await refused(
        await client.request('PUT', `${location}?digest=${sha256(data)}`, { body: new Uint8Array(data), headers: { 'content-type': 'application/octet-stream' } }),
      );
      const empty = await client.request('PUT', `${location}?digest=${sha256('')}`);
      assert.equal(empty.status, 201);
    });

    it('reports not ready on /readyz and unhealthy on /api/v2.0/health below the minimum', async () => {
      const ready = await fetch(`${url}/readyz`);
      assert.equal(ready.status, 503);
      const body = (await ready.json()) as Components;
      assert.equal(body.status, 'unavailable');
      const storage = body.components.find((c) => c.name === 'storage');
      assert.equal(storage?.status, 'unhealthy');
      assert.match(storage?.error ?? '', /^[\d.]+ [KMGT]?i?B free for blobs, below the 1\.0 PiB minimum$/);
      // A database file here (SQLite) has its disk measured too; PostgreSQL's disk is the server's own.
      const database = body.components.find((c) => c.name === 'database');
      assert.equal(database?.status, server.database.file === undefined ? 'healthy' : 'unhealthy');
      const health = (await (await api(url, 'GET', '/health')).json()) as Components;
      assert.equal(health.status, 'unhealthy');
      // The instance with the default minimum is ready.
      assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    });

    it('still serves pulls and logins, deletes tags and artifacts, and runs GC below the minimum', async () => {
      assert.equal((await client.request('GET', `/v2/library/kept/manifests/${image.digest}`)).status, 200);
      assert.equal((await client.request('DELETE', '/v2/library/kept/manifests/v1')).status, 202);
      assert.equal((await client.request('DELETE', `/v2/library/kept/manifests/${image.digest}`)).status, 202);
      const gc = await runGc(url, { delete_untagged: true });
      assert.equal(gc.status, 'Success');
      assert.ok((gc.attrs.purged_blobs ?? 0) >= 2, `purged ${gc.attrs.purged_blobs} blobs`);
    });
  });
}
