import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sha256, TestClient, type ImageManifest } from '../../testing/client.js';
import { dropTestSchema, testDialects, type TestDialect } from '../../testing/dialects.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { openDatabase } from '../db/index.js';
import { FilesystemDriver } from '../storage/filesystem/driver.js';
import type { StorageDriver } from '../storage/index.js';
import { runBackup, type BackupSummary } from './backup.js';
import { readManifest } from './manifest.js';
import { silentProgress } from './progress.js';
import { runRestore } from './restore.js';

interface Pushed {
  name: string;
  tag: string;
  digest: string;
  manifest: ImageManifest;
  layer: Buffer;
}

async function push(client: TestClient, name: string, tag: string, size: number): Promise<Pushed> {
  const layer = randomBytes(size);
  const { digest, manifest } = await client.pushImage(name, tag, layer);
  return { name, tag, digest, manifest, layer };
}

/** Pulls the image by tag and checks every byte against what was pushed. */
async function assertPullsIdentical(client: TestClient, image: Pushed): Promise<void> {
  const res = await client.request('GET', `/v2/${image.name}/manifests/${image.tag}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(res.status, 200, `${image.name}:${image.tag}`);
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(sha256(body), image.digest);
  const layer = await client.request('GET', `/v2/${image.name}/blobs/${image.manifest.layers[0]!.digest}`);
  assert.equal(layer.status, 200);
  assert.ok(Buffer.from(await layer.arrayBuffer()).equals(image.layer), `layer of ${image.name}:${image.tag}`);
  const config = await client.request('GET', `/v2/${image.name}/blobs/${image.manifest.config.digest}`);
  assert.equal(sha256(Buffer.from(await config.arrayBuffer())), image.manifest.config.digest);
}

for (const dialect of testDialects()) {
  describe(`berth backup and restore (${dialect.name})`, { timeout: 180_000 }, () => {
    let server: TestServer;
    let restored: TestServer | undefined;
    const dest = mkdtempSync(join(tmpdir(), 'berth-backup-'));
    const target = mkdtempSync(join(tmpdir(), 'berth-restore-'));
    const restoredSchema = `berth_test_restore_${process.pid}_${randomBytes(4).toString('hex')}`;
    const acknowledged: Pushed[] = [];
    const during: Pushed[] = [];
    let first: BackupSummary;

    const sourceOf = (s: TestServer, storage: StorageDriver = s.storage) => ({
      database: { url: databaseUrlOf(s), schema: s.database.schema },
      storage,
      keyFile: join(s.dataDir, 'secret.key'),
      keyConfigured: false,
      includeKey: true,
      berthVersion: 'test',
    });
    const databaseUrlOf = (s: TestServer) => (s.database.schema ? process.env.BERTH_TEST_PG_URL! : s.database.file!);
    /** The restore's database: a schema of its own on PostgreSQL, a file in the new data directory on SQLite. */
    const restoredDatabase = (dataDir: string) =>
      server.database.schema ? { url: process.env.BERTH_TEST_PG_URL!, schema: restoredSchema } : { url: join(dataDir, 'berth.db'), schema: undefined };

    before(async () => {
      server = await startTestServer(dialect);
    });
    after(async () => {
      await restored?.close();
      await server?.close();
      rmSync(dest, { recursive: true, force: true });
      rmSync(target, { recursive: true, force: true });
      if (server?.database.schema) await dropTestSchema(process.env.BERTH_TEST_PG_URL!, restoredSchema);
    });

    it('backs up while pushes go on; the restored Berth serves every image acknowledged before, byte for byte', async () => {
      const client = new TestClient(server.url);
      for (let i = 0; i < 12; i++) acknowledged.push(await push(client, `library/app${i % 3}`, `v${i}`, i < 3 ? 6 * 1024 * 1024 : 2000 + i));
      // Pushes keep going from before the backup starts until after it ends.
      let backingUp = true;
      const busy: Pushed[] = [];
      const pushes = (async () => {
        for (let i = 0; backingUp && i < 500; i++) busy.push(await push(client, 'library/busy', `b${i}`, 64 * 1024));
      })();
      while (busy.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
      const before = busy.length;
      acknowledged.push(...busy.slice(0, before));
      // Blobs are read only once the snapshot is taken: the first read waits for three more pushes,
      // which land between the snapshot and the blob copy and so must not be in the backup.
      const afterSnapshot: Pushed[] = [];
      let gate: Promise<void> | undefined;
      const pushAfterSnapshot = async () => {
        for (let i = 0; i < 3; i++) afterSnapshot.push(await push(client, 'library/late', `l${i}`, 4096));
      };
      const storage = new Proxy(server.storage, {
        get(driver, property) {
          if (property === 'read') {
            return async (...args: Parameters<StorageDriver['read']>) => {
              gate ??= pushAfterSnapshot();
              await gate;
              return driver.read(...args);
            };
          }
          const value: unknown = Reflect.get(driver, property);
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(driver) : value;
        },
      });
      try {
        first = await runBackup(sourceOf(server, storage), dest, silentProgress);
      } finally {
        backingUp = false;
        await pushes;
      }
      during.push(...busy.slice(before));
      const manifest = readManifest(dest);
      assert.equal(manifest.dialect, dialect.name);
      assert.equal(manifest.secretKey, 'included');
      assert.match(manifest.migration, /^\d{4}_/);
      // A layer and a manifest per image, one shared config; each copied, none there before.
      assert.ok(first.blobs.copied >= 2 * acknowledged.length + 1, `copied ${first.blobs.copied}`);
      assert.equal(first.blobs.present, 0);
      assert.equal(manifest.blobs.count, first.blobs.copied);

      const dataDir = join(target, 'data');
      const storageDir = join(dataDir, 'storage');
      const { url, schema } = restoredDatabase(dataDir);
      const summary = await runRestore(
        dest,
        { database: { url, schema }, storage: new FilesystemDriver({ root: storageDir, fsync: false }), dataDir, storageDir, keyConfigured: false },
        silentProgress,
      );
      assert.equal(summary.blobs, manifest.blobs.count);
      const key = readFileSync(join(dataDir, 'secret.key'), 'utf8').trim();
      assert.equal(key, readFileSync(join(server.dataDir, 'secret.key'), 'utf8').trim());

      const onRestored: TestDialect = {
        name: dialect.name,
        async open() {
          const database = await openDatabase({ url, ...(schema ? { schema } : {}) });
          return { database, url, ...(schema ? { schema } : {}), cleanup: () => database.close() };
        },
      };
      // The restored key must open the restored secrets, or Berth refuses to start.
      restored = await startTestServer(onRestored, { storage: { rootDirectory: storageDir }, secretKey: key });
      const pull = new TestClient(restored.url);
      for (const image of acknowledged) await assertPullsIdentical(pull, image);
      // Images pushed while the backup ran are there whole or not at all.
      let whole = 0;
      for (const image of during) {
        const res = await pull.request('HEAD', `/v2/${image.name}/manifests/${image.tag}`);
        if (res.status === 404) continue;
        await assertPullsIdentical(pull, image);
        whole++;
      }
      // New rows get fresh ids: the restored sequences start past the restored rows.
      await assertPullsIdentical(pull, await push(pull, 'library/app0', 'after-restore', 3000));
      await assertPullsIdentical(pull, await push(pull, 'library/new-repo', 'v1', 3000));
      assert.equal(afterSnapshot.length, 3);
      for (const image of afterSnapshot) {
        const res = await pull.request('HEAD', `/v2/${image.name}/manifests/${image.tag}`);
        assert.equal(res.status, 404, `${image.name}:${image.tag} was pushed after the snapshot`);
      }
      console.log(
        `# ${dialect.name}: ${acknowledged.length} images before, ${during.length} pushed alongside the backup, ${whole} of them in it, 3 after the snapshot; ${first.blobs.copied} blobs copied`,
      );
    });

    it('an incremental backup into the same directory copies only the new blobs', async () => {
      const client = new TestClient(server.url);
      // Catch up with what was pushed while the first backup ran.
      const settled = await runBackup(sourceOf(server), dest, silentProgress);
      assert.ok(settled.blobs.present >= first.blobs.copied);
      const added: Pushed[] = [];
      for (let i = 0; i < 10; i++) added.push(await push(client, 'library/later', `n${i}`, 1000 + i));
      const [incremental, second] = await Promise.allSettled([runBackup(sourceOf(server), dest, silentProgress), runBackup(sourceOf(server), dest, silentProgress)]);
      assert.equal(incremental.status, 'fulfilled');
      // One backup at a time into a directory.
      assert.equal(second.status, 'rejected');
      assert.match(String(second.reason), /another berth backup is writing into/);
      const manifestBytes = added.reduce((sum, image) => sum + Buffer.byteLength(JSON.stringify(image.manifest)), 0);
      const layerBytes = added.reduce((sum, image) => sum + image.layer.length, 0);
      // Ten layers and ten manifests; the config they share was in the backup already.
      assert.equal(incremental.value.blobs.copied, 20);
      assert.equal(incremental.value.blobs.copiedBytes, manifestBytes + layerBytes);
      assert.equal(incremental.value.blobs.present, settled.blobs.present + settled.blobs.copied);
      assert.equal(readManifest(dest).blobs.count, incremental.value.blobs.copied + incremental.value.blobs.present);
      console.log(
        `# ${dialect.name}: incremental copied ${incremental.value.blobs.copied} blobs (${incremental.value.blobs.copiedBytes} bytes), ${incremental.value.blobs.present} already there`,
      );
    });

    it('restore refuses a target that is not empty, before writing anything', async () => {
      const dataDir = join(target, 'data');
      const { url, schema } = restoredDatabase(dataDir);
      const again = mkdtempSync(join(tmpdir(), 'berth-restore-again-'));
      try {
        await assert.rejects(
          runRestore(
            dest,
            {
              database: { url, schema },
              storage: new FilesystemDriver({ root: join(again, 'storage'), fsync: false }),
              // SQLite: the data directory holds the restored database; PostgreSQL: the schema holds its tables.
              dataDir: schema ? again : dataDir,
              keyConfigured: false,
            },
            silentProgress,
          ),
          /not empty/,
        );
        assert.equal(existsSync(join(again, 'storage')), false);
      } finally {
        rmSync(again, { recursive: true, force: true });
      }
    });
  });
}
