import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ContentService } from '../content/index.js';
import { collectGarbage, NO_PROGRESS } from '../gc/collector.js';
import { findProjectByName } from '../projects/index.js';
import { Metrics } from '../platform/metrics/index.js';
import { Settings } from '../platform/settings/index.js';
import { FreeSpaceGuard } from '../platform/storage/index.js';
import { ReadOnlyError } from '../platform/errors/index.js';
import { api, expectJson } from '../testing/api.js';
import { sha256, TestClient } from '../testing/client.js';
import { testDialects } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { readOnlyGate } from './read-only.js';

const MESSAGE = 'The system is in read only mode. Any modification is prohibited.';

/** Harbor's refusal: 403, code DENIED, its message; the same on /v2/ and the API. */
async function expectReadOnly(res: Response, what: string): Promise<void> {
  const text = await res.text();
  assert.equal(res.status, 403, `${what}: ${res.status} ${text}`);
  const body = JSON.parse(text) as { errors: Array<{ code: string; message: string }> };
  assert.equal(body.errors[0]?.code, 'DENIED', what);
  assert.equal(body.errors[0]?.message, MESSAGE, what);
}

for (const dialect of testDialects()) {
  describe(`read-only mode (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;
    let image: { digest: string; layer: string };
    let openUpload: string;
    const setReadOnly = async (on: boolean) => expectJson(await api(server.url, 'PUT', '/configurations', { body: { read_only: on } }), 200);

    before(async () => {
      server = await startTestServer(dialect);
      client = new TestClient(server.url);
      const layer = Buffer.from('layer kept through read-only mode');
      const pushed = await client.pushImage('library/app', 'v1', layer);
      image = { digest: pushed.digest, layer: sha256(layer) };
      await client.pushImage('library/app', 'v2');
      // An upload begun before the switch, to finish after it.
      const started = await client.request('POST', '/v2/library/app/blobs/uploads/');
      assert.equal(started.status, 202);
      openUpload = started.headers.get('location')!;
      await setReadOnly(true);
    });
    after(async () => {
      await setReadOnly(false);
      await server.close();
    });

    it('refuses every push on /v2/: upload start, monolithic upload, mount, chunk, upload completion and manifest', async () => {
      const data = Buffer.from('new bytes');
      await expectReadOnly(await client.request('POST', '/v2/library/app/blobs/uploads/'), 'upload start');
      await expectReadOnly(await client.request('POST', '/v2/library/new/blobs/uploads/'), 'upload start in a new repository');
      await expectReadOnly(await client.request('POST', `/v2/library/app/blobs/uploads/?digest=${sha256(data)}`, { body: data }), 'monolithic upload');
      await expectReadOnly(
        await client.request('POST', `/v2/library/other/blobs/uploads/?mount=${image.layer}&from=library/app`, {
          scope: 'repository:library/other:pull,push repository:library/app:pull',
        }),
        'mount',
      );
      await expectReadOnly(await client.request('PATCH', openUpload, { body: data, scope: 'repository:library/app:pull,push' }), 'chunk');
      const separator = openUpload.includes('?') ? '&' : '?';
      await expectReadOnly(
        await client.request('PUT', `${openUpload}${separator}digest=${sha256('')}`, { scope: 'repository:library/app:pull,push' }),
        'upload completion',
      );
      const manifest = await (
        await client.request('GET', `/v2/library/app/manifests/v1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })
      ).text();
      await expectReadOnly(
        await client.request('PUT', '/v2/library/app/manifests/v3', { body: manifest, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } }),
        'manifest push',
      );
    });

    it('refuses every delete on /v2/: a tag, a manifest by digest, a blob', async () => {
      await expectReadOnly(await client.request('DELETE', '/v2/library/app/manifests/v2'), 'tag delete');
      await expectReadOnly(await client.request('DELETE', `/v2/library/app/manifests/${image.digest}`), 'manifest delete');
      await expectReadOnly(await client.request('DELETE', `/v2/library/app/blobs/${image.layer}`), 'blob delete');
    });

    it('refuses every change through the API: deletes, tags, copies, descriptions, projects, retention and GC runs', async () => {
      const calls: Array<[string, string, unknown?]> = [
        ['DELETE', `/projects/library/repositories/app/artifacts/${image.digest}`],
        ['DELETE', '/projects/library/repositories/app/artifacts/v2/tags/v2'],
        ['POST', '/projects/library/repositories/app/artifacts/v1/tags', { name: 'v9' }],
        ['DELETE', '/projects/library/repositories/app'],
        ['POST', `/projects/library/repositories/copy/artifacts?from=library/app@${image.digest}`],
        ['PUT', '/projects/library/repositories/app', { description: 'changed' }],
        ['POST', '/projects', { project_name: 'made-in-read-only', metadata: { public: 'false' } }],
        ['POST', '/system/gc/schedule', { schedule: { type: 'Manual' }, parameters: { delete_untagged: true } }],
        ['POST', '/retentions/1/executions', { dry_run: false }],
      ];
      for (const [method, path, body] of calls) await expectReadOnly(await api(server.url, method, path, { body }), `${method} ${path}`);
    });

    it('keeps pulls and reads working', async () => {
      const manifest = await client.request('GET', '/v2/library/app/manifests/v1', { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
      assert.equal(manifest.status, 200);
      assert.equal(manifest.headers.get('docker-content-digest'), image.digest);
      const blob = await client.request('GET', `/v2/library/app/blobs/${image.layer}`);
      assert.equal(blob.status, 200);
      assert.equal(await blob.text(), 'layer kept through read-only mode');
      const tags = await expectJson<{ tags: string[] }>(await client.request('GET', '/v2/library/app/tags/list'), 200);
      assert.deepEqual(tags.tags, ['v1', 'v2']);
      const artifacts = await expectJson<unknown[]>(await api(server.url, 'GET', '/projects/library/repositories/app/artifacts'), 200);
      assert.equal(artifacts.length, 2);
    });

    it('refuses garbage collection that deletes, and lets a dry run count', async () => {
      const content = new ContentService({
        config: server.config,
        database: server.database,
        storage: server.storage,
        space: new FreeSpaceGuard({ storage: server.storage, database: server.database, minFreeBytes: 0 }),
        clock: { now: () => Date.now() },
        metrics: new Metrics(),
        gates: { push: [readOnlyGate(new Settings(server.database, server.config))], pull: [] },
      });
      const run = {
        database: server.database,
        content,
        storage: server.storage,
        now: () => Date.now(),
        executionId: 0,
        progress: { ...NO_PROGRESS },
        signal: new AbortController().signal,
        log: async () => {},
      };
      const options = { deleteUntagged: true, cutoff: Date.now() + 60_000, batchSize: 100, pauseFactor: 0 };
      await assert.rejects(collectGarbage(run, { ...options, dryRun: false }), ReadOnlyError);
      const dry = await collectGarbage(run, { ...options, dryRun: true });
      assert.ok(dry.purged_blobs >= 0);
      // Retention and GC delete through content's one rule, which asks the gate in their transaction.
      const project = await findProjectByName(server.database.db, 'library');
      const repository = (await content.findRepository('library/app'))!;
      assert.equal(repository.project_id, project!.id);
      await assert.rejects(
        server.database.db
          .transaction()
          .execute((trx) => content.deleteArtifactsIn(trx, repository, [{ id: 0, digest: image.digest }], { name: 'retention' }, Date.now())),
        ReadOnlyError,
      );
    });

    it('lets an administrator turn it off, and pushes work again', async () => {
      await setReadOnly(false);
      await client.pushImage('library/app', 'v3');
      await setReadOnly(true);
    });
  });
}
