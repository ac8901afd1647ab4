import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api, expectJson } from '../../testing/api.js';
import { basic, errorCode, OCI_MANIFEST, sha256, TestClient } from '../../testing/client.js';
import { testDialects } from '../../testing/dialects.js';
import { assertMatchesHarbor, harborSchemaAvailable } from '../../testing/harbor-schema.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { shareAllowances } from './ledger.js';

interface QuotaJson {
  id: number;
  ref: { id: number; name: string; owner_name: string };
  hard: { storage: number };
  used: { storage: number };
}

/** An image as the test pushed it: every digest it stores and its size. */
interface PushedImage {
  digest: string;
  content: Map<string, number>;
}

/** The usage a project must show: each distinct manifest and blob once. */
function uniqueBytes(images: readonly PushedImage[]): number {
  const all = new Map<string, number>();
  for (const image of images) for (const [digest, size] of image.content) all.set(digest, size);
  return [...all.values()].reduce((sum, size) => sum + size, 0);
}

describe('sharing a limit out among usage counters', () => {
  it('gives the counters allowances that add up to the limit, so no mix of charges can pass it', () => {
    const used = [100, 0, 50, 0, 0, 0, 0, 7];
    const allowances = shareAllowances(1000, used);
    assert.equal(
      allowances.reduce((a, b) => a + b, 0),
      1000,
    );
    assert.ok(
      allowances.every((a, i) => a >= (used[i] ?? 0)),
      'each counter keeps what it holds',
    );
    assert.deepEqual(shareAllowances(100, [60, 50]), [60, 50], 'over the limit: no counter has room');
    assert.deepEqual(shareAllowances(-1, [5, 0]), [-1, -1], 'unlimited');
  });
});

for (const dialect of testDialects()) {
  describe(`project quotas (${dialect.name})`, () => {
    let server: TestServer;
    let client: TestClient;
    const base = randomBytes(3000);

    before(async () => {
      server = await startTestServer(dialect);
      client = new TestClient(server.url);
    });
    after(() => server.close());

    const createProject = async (name: string, storageLimit?: number) =>
      expectJson(await api(server.url, 'POST', '/projects', { body: { project_name: name, metadata: { public: 'false' }, storage_limit: storageLimit } }), 201);

    const quotaOf = async (project: string): Promise<QuotaJson> => {
      const { id } = await expectJson<{ project_id: number }>(await api(server.url, 'GET', `/projects/${project}`), 200).then((p) => ({ id: p.project_id }));
      const [quota] = await expectJson<QuotaJson[]>(await api(server.url, 'GET', `/quotas?reference=project&reference_id=${id}`), 200);
      assert.ok(quota, `project ${project} has a quota`);
      return quota;
    };

    const setLimit = async (project: string, storage: number) => {
      const quota = await quotaOf(project);
      await expectJson(await api(server.url, 'PUT', `/quotas/${quota.id}`, { body: { hard: { storage } } }), 200);
    };

    /** A blob's descriptor, sent only when the repository lacks it, as docker and podman do. */
    const ensureBlob = async (name: string, data: Buffer, mediaType: string) => {
      const digest = sha256(data);
      if ((await client.request('HEAD', `/v2/${name}/blobs/${digest}`)).status !== 200) await client.pushBlob(name, data);
      return { mediaType, digest, size: data.length };
    };

    /** Pushes base + a layer of its own; answers every digest stored and its size. */
    const pushImage = async (name: string, tag: string, ownLayer: Buffer): Promise<PushedImage> => {
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', tag }));
      const layerType = 'application/vnd.oci.image.layer.v1.tar';
      const manifest = {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: await ensureBlob(name, config, 'application/vnd.oci.image.config.v1+json'),
        layers: await Promise.all([ensureBlob(name, base, layerType), ensureBlob(name, ownLayer, layerType)]),
      };
      const { digest } = await client.pushManifest(name, tag, manifest);
      const manifestBytes = Buffer.byteLength(JSON.stringify(manifest));
      const content = new Map<string, number>([[digest, manifestBytes]]);
      content.set(manifest.config.digest, manifest.config.size);
      for (const layer of manifest.layers) content.set(layer.digest, layer.size);
      return { digest, content };
    };

    it("every project has an unlimited quota by default, in Harbor's shape, and its summary shows it", async () => {
      await createProject('plain');
      const quota = await quotaOf('plain');
      assert.deepEqual(
        { hard: quota.hard, used: quota.used, name: quota.ref.name, owner: quota.ref.owner_name },
        { hard: { storage: -1 }, used: { storage: 0 }, name: 'plain', owner: 'admin' },
      );
      if (harborSchemaAvailable()) {
        assertMatchesHarbor('Quota', quota);
        assertMatchesHarbor('Quota', await expectJson(await api(server.url, 'GET', '/quotas'), 200), { array: true });
      }
      const summary = await expectJson<{ quota: { hard: { storage: number }; used: { storage: number } } }>(
        await api(server.url, 'GET', '/projects/plain/summary'),
        200,
      );
      assert.deepEqual(summary.quota, { hard: { storage: -1 }, used: { storage: 0 } });
    });

    it('usage is the sum of unique blob and manifest sizes after pushes, shared layers, deletes and copies', async () => {
      await createProject('counted');
      const one = await pushImage('counted/app', 'one', randomBytes(1000));
      assert.equal((await quotaOf('counted')).used.storage, uniqueBytes([one]));
      const two = await pushImage('counted/app', 'two', randomBytes(2000));
      assert.equal((await quotaOf('counted')).used.storage, uniqueBytes([one, two]), 'the shared base layer is counted once');
      const elsewhere = await pushImage('counted/other', 'one', randomBytes(500));
      assert.equal((await quotaOf('counted')).used.storage, uniqueBytes([one, two, elsewhere]), 'a layer shared across repositories is counted once per project');

      // Deleting `one` releases its own layer, config and manifest; the base stays held by the others.
      const deleted = await client.request('DELETE', `/v2/counted/app/manifests/${one.digest}`);
      assert.equal(deleted.status, 202);
      assert.equal((await quotaOf('counted')).used.storage, uniqueBytes([two, elsewhere]));

      // A copy into another project charges it for everything it now holds, and only it.
      await createProject('copies');
      const copied = await api(server.url, 'POST', `/projects/copies/repositories/app/artifacts?from=counted/app:two`);
      assert.equal(copied.status, 201, await copied.text());
      assert.equal((await quotaOf('copies')).used.storage, uniqueBytes([two]));
      assert.equal((await quotaOf('counted')).used.storage, uniqueBytes([two, elsewhere]));

      // Deleting a repository releases what only it held.
      await expectJson(await api(server.url, 'DELETE', '/projects/counted/repositories/other'), 200);
      assert.equal((await quotaOf('counted')).used.storage, uniqueBytes([two]));
      await expectJson(await api(server.url, 'DELETE', `/projects/copies/repositories/app/artifacts/${two.digest}`), 200);
      assert.equal((await quotaOf('copies')).used.storage, 0);
    });

    it('a push past the limit is DENIED with a message naming the quota, and nothing is charged for it', async () => {
      await createProject('tight');
      const first = await pushImage('tight/app', 'first', randomBytes(1000));
      const used = uniqueBytes([first]);
      await setLimit('tight', used + 2000);

      // The layer itself fits beside what the project holds; with its config and manifest the image does not.
      const overLayer = randomBytes(1900);
      await assert.rejects(pushImage('tight/app', 'over', overLayer), (err: Error) => {
        assert.match(err.message, /^push manifest: 403 /);
        assert.match(err.message, /"code":"DENIED"/);
        assert.match(err.message, /quota/);
        return true;
      });
      assert.equal((await quotaOf('tight')).used.storage, used, 'the refused push is not charged');
      const tags = await client.request('GET', '/v2/tight/app/tags/list');
      assert.deepEqual(((await tags.json()) as { tags: string[] }).tags, ['first']);

      // The refused push's own layer and config stay in the repository, held by no artifact: they
      // count against new uploads until they are older than GC's grace window, or the client deletes them.
      const overConfig = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', tag: 'over' }));
      for (const leftover of [overLayer, overConfig]) assert.equal((await client.request('DELETE', `/v2/tight/app/blobs/${sha256(leftover)}`)).status, 202);

      // What fits still goes in, and an existing artifact may be tagged again for free.
      const small = await pushImage('tight/app', 'small', randomBytes(500));
      assert.equal((await quotaOf('tight')).used.storage, uniqueBytes([first, small]));
      const manifest = await client.request('GET', `/v2/tight/app/manifests/first`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
      const retag = await client.request('PUT', '/v2/tight/app/manifests/again', {
        body: await manifest.text(),
        headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      });
      assert.equal(retag.status, 201);
      assert.equal((await quotaOf('tight')).used.storage, uniqueBytes([first, small]));
    });

    it('a blob mount into a full project is DENIED; a copy past the limit is refused and leaves nothing behind', async () => {
      await createProject('source');
      const big = randomBytes(10_000);
      const image = await pushImage('source/app', 'big', big);
      await createProject('full');
      const seed = await pushImage('full/app', 'seed', randomBytes(100));
      await setLimit('full', uniqueBytes([seed]) + 1000);

      const scope = 'repository:full/app:pull,push repository:source/app:pull';
      const mount = await client.request('POST', `/v2/full/app/blobs/uploads/?mount=${sha256(big)}&from=source/app`, { scope });
      assert.equal(mount.status, 403);
      assert.equal(await errorCode(mount), 'DENIED');

      const copy = await api(server.url, 'POST', '/projects/full/repositories/app/artifacts?from=source/app:big');
      assert.equal(copy.status, 403, await copy.text());
      assert.equal((await quotaOf('full')).used.storage, uniqueBytes([seed]));
      const gone = await api(server.url, 'GET', `/projects/full/repositories/app/artifacts/${image.digest}`);
      assert.equal(gone.status, 404);
    });

    it('concurrent pushes into one project never pass the limit, and usage stays exact', async () => {
      await createProject('busy');
      const sizes = 3000;
      // Room for the shared base and about half of the images' own content.
      const images = Array.from({ length: 12 }, (_, i) => ({ tag: `v${i}`, layer: randomBytes(sizes) }));
      const limit = base.length + 6 * (sizes + 1200);
      await setLimit('busy', limit);
      const results = await Promise.allSettled(images.map((image) => pushImage('busy/app', image.tag, image.layer)));
      const pushed = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const refused = results.filter((r) => r.status === 'rejected');
      for (const r of refused) assert.match(String((r as PromiseRejectedResult).reason), /DENIED/);
      assert.ok(pushed.length >= 1 && refused.length >= 1, `some pushes fit and some do not (${pushed.length} pushed)`);
      const quota = await quotaOf('busy');
      assert.ok(quota.used.storage <= limit, `usage ${quota.used.storage} stays within ${limit}`);
      assert.equal(quota.used.storage, uniqueBytes(pushed));

      // Without a limit every concurrent push lands and is counted once.
      await setLimit('busy', -1);
      const more = await Promise.all(Array.from({ length: 8 }, (_, i) => pushImage('busy/more', `m${i}`, randomBytes(200))));
      assert.equal((await quotaOf('busy')).used.storage, uniqueBytes([...pushed, ...more]));
    });

    /** Upload directories left in storage: a refused upload must leave none. */
    const uploadDirs = (): string[] => {
      const dir = join(server.dataDir, 'storage', 'uploads');
      return existsSync(dir) ? readdirSync(dir) : [];
    };

    /** One blob, as a client may send it: whole, in one declared chunk, or streamed without a length. */
    const sendBlob = async (name: string, data: Buffer, how: 'monolithic' | 'chunk' | 'stream'): Promise<Response> => {
      const digest = sha256(data);
      if (how === 'monolithic') return client.request('POST', `/v2/${name}/blobs/uploads/?digest=${digest}`, { body: new Uint8Array(data) });
      const started = await client.request('POST', `/v2/${name}/blobs/uploads/`);
      assert.equal(started.status, 202);
      const location = started.headers.get('location')!;
      const body =
        how === 'chunk'
          ? new Uint8Array(data)
          : new ReadableStream<Uint8Array>({
              start(controller) {
                for (let i = 0; i < data.length; i += 64 * 1024) controller.enqueue(new Uint8Array(data.subarray(i, i + 64 * 1024)));
                controller.close();
              },
            });
      const patched = await client.request('PATCH', location, { body });
      if (patched.status !== 202) return patched;
      return client.request('PUT', `${location}?digest=${digest}`);
    };

    it('blobs pushed without a manifest cannot pile up past the limit: uploads and unheld blobs count against it, refused bytes are discarded', async () => {
      const MiB = 1024 * 1024;
      await createProject('pending', MiB);
      const ways = ['monolithic', 'chunk', 'stream'] as const;
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) {
        const res = await sendBlob('pending/app', randomBytes(MiB), ways[i % ways.length]!);
        statuses.push(res.status);
        if (res.status !== 201) {
          const text = await res.text();
          assert.equal(res.status, 403, text);
          assert.match(text, /"code":"DENIED"/);
          assert.match(text, /quota exceeded: adding .* over its quota of 1\.0 MiB/);
        }
      }
      // The first fills the limit while no manifest holds it; every later one is refused.
      assert.deepEqual(statuses, [201, ...new Array<number>(19).fill(403)]);
      assert.deepEqual(uploadDirs(), [], 'refused uploads leave no bytes behind');
      const rows = await server.database.db.selectFrom('uploads').select('id').execute();
      assert.deepEqual(rows, [], 'refused uploads leave no session behind');
      assert.equal((await quotaOf('pending')).used.storage, 0, 'the reported usage stays what artifacts hold');
    });

    it('a push within the limit lands: its own pending layers do not block its manifest, and count once it is pushed', async () => {
      const KiB = 1024;
      await createProject('fits', 1024 * KiB);
      const layers = [randomBytes(300 * KiB), randomBytes(300 * KiB), randomBytes(300 * KiB)];
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux' }));
      const parts = { config: { data: config, mediaType: 'application/vnd.oci.image.config.v1+json' } };
      const first = await client.pushArtifact('fits/app', 'one', {
        ...parts,
        layers: layers.map((data) => ({ data, mediaType: 'application/vnd.oci.image.layer.v1.tar' })),
      });
      const used = (await quotaOf('fits')).used.storage;
      assert.equal(used, 900 * KiB + config.length + Buffer.byteLength(JSON.stringify(first.manifest)));
      // What was pending is usage now, counted once: another small image still fits.
      await client.pushImage('fits/app', 'two', randomBytes(50 * KiB));
      // One that does not is refused at its layer.
      await assert.rejects(client.pushImage('fits/app', 'three', randomBytes(200 * KiB)), /push blob: 403 .*quota exceeded/);
      assert.deepEqual(uploadDirs(), []);
    });

    it('quota_per_project_enable off lets pushes pass the limit while usage is still counted; on again, the limit holds', async () => {
      await createProject('unenforced');
      const first = await pushImage('unenforced/app', 'first', randomBytes(1000));
      await setLimit('unenforced', uniqueBytes([first]) + 100);
      await expectJson(await api(server.url, 'PUT', '/configurations', { body: { quota_per_project_enable: false } }), 200);
      try {
        const over = await pushImage('unenforced/app', 'over', randomBytes(5000));
        assert.equal((await quotaOf('unenforced')).used.storage, uniqueBytes([first, over]), 'usage stays exact while unenforced');
      } finally {
        await expectJson(await api(server.url, 'PUT', '/configurations', { body: { quota_per_project_enable: true } }), 200);
      }
      await assert.rejects(pushImage('unenforced/app', 'refused', randomBytes(100)), /403[\s\S]*quota/);
    });

    it('only system administrators read and set quotas; the default for new projects is a runtime setting', async () => {
      await expectJson(
        await api(server.url, 'POST', '/users', { body: { username: 'quser', password: 'Passw0rd-quser', email: 'quser@example.com', realname: 'Q' } }),
        201,
      );
      const user = basic('quser', 'Passw0rd-quser');
      const quota = await quotaOf('plain');
      assert.equal((await api(server.url, 'GET', '/quotas', { authorization: user })).status, 403);
      assert.equal((await api(server.url, 'PUT', `/quotas/${quota.id}`, { authorization: user, body: { hard: { storage: 1 } } })).status, 403);
      assert.equal((await api(server.url, 'GET', '/quotas', { authorization: null })).status, 401);
      for (const bad of [{ hard: { storage: 0 } }, { hard: { storage: -2 } }, { hard: {} }, { hard: { storage: 10, count: 1 } }]) {
        assert.equal((await api(server.url, 'PUT', `/quotas/${quota.id}`, { body: bad })).status, 400, JSON.stringify(bad));
      }
      assert.equal((await api(server.url, 'PUT', '/quotas/999999', { body: { hard: { storage: 10 } } })).status, 404);

      await expectJson(await api(server.url, 'PUT', '/configurations', { body: { storage_per_project: 5 * 1024 * 1024 } }), 200);
      await createProject('defaulted');
      assert.equal((await quotaOf('defaulted')).hard.storage, 5 * 1024 * 1024);
      await createProject('chosen', 1024 * 1024);
      assert.equal((await quotaOf('chosen')).hard.storage, 1024 * 1024);
      // A user's own storage_limit is not theirs to choose.
      await expectJson(await api(server.url, 'POST', '/projects', { authorization: user, body: { project_name: 'mine', storage_limit: -1 } }), 201);
      assert.equal((await quotaOf('mine')).hard.storage, 5 * 1024 * 1024);
      await expectJson(await api(server.url, 'PUT', '/configurations', { body: { storage_per_project: -1 } }), 200);
    });
  });
}
