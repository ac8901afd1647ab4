/**
 * `berth backup` and `berth restore` as an operator runs them: separate processes next to a
 * running `berth serve` on the embedded database, pushes going on meanwhile; the restored data
 * directory serves every image pushed before the backup, byte for byte. (PostgreSQL is covered
 * against real databases in src/platform/backup/backup.test.ts.)
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { basic, sha256, TestClient, type ImageManifest } from '../../src/testing/client.js';
import { runBerth, type CliRun } from '../../src/testing/cli.js';
import { ADMIN_PASSWORD, ADMIN_USER, BERTH_ONLY, makeTempDir, RegistryServer, removeDir } from './harness.js';

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

/** "copied N blobs (B bytes, …)" from the summary line. */
function copied(run: CliRun): { blobs: number; bytes: number } {
  const match = /copied (\d+) blobs \((\d+) bytes/.exec(run.stdout);
  assert.ok(match, `no summary line in: ${run.stdout}${run.stderr}`);
  return { blobs: Number(match[1]), bytes: Number(match[2]) };
}

describe('berth backup and berth restore (processes, embedded database)', { skip: BERTH_ONLY, timeout: 240_000 }, () => {
  const admin = basic(ADMIN_USER, ADMIN_PASSWORD);
  let source: RegistryServer;
  let target: RegistryServer;
  let dest: string;
  const acknowledged: Pushed[] = [];

  before(async () => {
    source = await RegistryServer.start();
    dest = join(makeTempDir('backup-dest'), 'backup');
  });
  after(async () => {
    await source?.stop();
    await target?.stop();
    if (dest) removeDir(join(dest, '..'));
  });

  it('explains both commands, the secret key included, and what is left out', async () => {
    const backup = await runBerth(['backup', '--help']);
    assert.equal(backup.code, 0);
    assert.match(backup.stdout, /Usage: berth backup \[options\] <dest>/);
    assert.match(backup.stdout, /INCLUDES it/);
    assert.match(backup.stdout, /--no-secret-key/);
    assert.match(backup.stdout, /Not included:/);
    const restore = await runBerth(['restore', '--help']);
    assert.equal(restore.code, 0);
    assert.match(restore.stdout, /must be empty/);
    assert.match(restore.stdout, /secret\.key/);
  });

  it('backs up a running server taking pushes; a restored data directory serves every earlier image byte for byte', async () => {
    const client = new TestClient(source.url, admin);
    for (let i = 0; i < 5; i++) acknowledged.push(await push(client, `library/img${i}`, 'v1', i === 0 ? 2 * 1024 * 1024 : 10_000 + i));
    let running = true;
    let during = 0;
    const pushes = (async () => {
      for (let i = 0; running && i < 500; i++) {
        await push(client, 'library/busy', `b${i}`, 32 * 1024);
        during++;
      }
    })();
    let run: CliRun;
    try {
      run = await runBerth(['backup', dest, '--data-dir', source.dataDir]);
    } finally {
      running = false;
      await pushes;
    }
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /warning: the backup includes the secret key/);
    assert.match(run.stdout, /secret key included/);
    assert.ok(copied(run).blobs >= 11, run.stdout);
    assert.ok(during > 0, 'pushes ran while the backup did');
    assert.equal(statSync(join(dest, 'secret.key')).mode & 0o777, 0o600);

    target = await RegistryServer.start();
    await target.kill();
    removeDir(target.dataDir);
    const restored = await runBerth(['restore', dest, '--data-dir', target.dataDir]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /restored sqlite backup/);
    assert.match(restored.stdout, /restored the secret key/);
    await target.restart();
    const pull = new TestClient(target.url, admin);
    for (const image of acknowledged) {
      const res = await pull.request('GET', `/v2/${image.name}/manifests/${image.tag}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
      assert.equal(res.status, 200);
      assert.equal(sha256(Buffer.from(await res.arrayBuffer())), image.digest);
      const layer = await pull.request('GET', `/v2/${image.name}/blobs/${image.manifest.layers[0]!.digest}`);
      assert.ok(Buffer.from(await layer.arrayBuffer()).equals(image.layer));
    }
  });

  it('refuses to restore into a data directory that is not empty, with a message and no stack trace', async () => {
    const run = await runBerth(['restore', dest, '--data-dir', target.dataDir]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^berth: the data directory .* is not empty/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
    const nothing = await runBerth(['restore', join(dest, '..', 'nowhere'), '--data-dir', join(dest, '..', 'fresh')]);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /holds no Berth backup/);
    assert.equal(existsSync(join(dest, '..', 'fresh')), false);
  });

  it('a second backup into the same directory copies only the blobs of images pushed since', async () => {
    // Catch up with the pushes that ran alongside the first backup.
    const settled = await runBerth(['backup', dest, '--data-dir', source.dataDir]);
    assert.equal(settled.code, 0, settled.stderr);
    const client = new TestClient(source.url, admin);
    const added: Pushed[] = [];
    for (let i = 0; i < 10; i++) added.push(await push(client, 'library/later', `n${i}`, 5000 + i));
    const run = await runBerth(['backup', dest, '--data-dir', source.dataDir]);
    assert.equal(run.code, 0, run.stderr);
    const bytes = added.reduce((sum, image) => sum + image.layer.length + Buffer.byteLength(JSON.stringify(image.manifest)), 0);
    // A new layer and a new manifest per image; the config they share is in the backup already.
    assert.deepEqual(copied(run), { blobs: 20, bytes });
  });
});
