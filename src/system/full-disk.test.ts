import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runGc } from '../gc/fixtures.suite.js';
import { openDatabase } from '../platform/db/index.js';
import { api } from '../testing/api.js';
import { sha256, TestClient } from '../testing/client.js';
import type { TestDialect } from '../testing/dialects.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { eventually } from '../testing/wait.js';

const MiB = 1024 * 1024;
const DISK_MiB = 32;
const MIN_FREE_MiB = 8;
const LAYER_BYTES = 4 * MiB;

interface ErrorBody {
  errors: Array<{ code: string; message: string }>;
}

interface Readiness {
  status: string;
  components: Array<{ name: string; status: string; error?: string }>;
}

/** A small disk of its own (tmpfs), or why there is none: mounting needs root. */
function mountSmallDisk(dir: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_MiB}m`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]}); the guard is tested with a threshold above the free space instead`;
  }
}

const disk = mkdtempSync(join(tmpdir(), 'berth-full-disk-'));
const unmountable = mountSmallDisk(disk);
let mounted = unmountable === undefined;

function unmount(): void {
  if (mounted) {
    // Lazily: a file still open (the database of a server that failed to close) must not keep the disk mounted.
    execFileSync('umount', ['-l', disk]);
    mounted = false;
  }
  rmSync(disk, { recursive: true, force: true });
}
// after() unmounts; this is for a run that ends before after() gets to it.
process.once('exit', unmount);

/** SQLite in the small disk's root, beside the blobs: both fill up together, as in the default layout. */
const sqliteOnDisk: TestDialect = {
  name: 'sqlite',
  async open() {
    const url = join(disk, 'berth.db');
    const database = await openDatabase({ url });
    return { database, url, cleanup: () => database.close() };
  },
};

function freeBytes(): number {
  const stats = statfsSync(disk);
  return stats.bavail * stats.bsize;
}

describe('a registry on a full disk', { skip: unmountable }, () => {
  let server: TestServer;
  let client: TestClient;
  const pushed: string[] = [];

  before(async () => {
    server = await startTestServer(sqliteOnDisk, {
      storage: { rootDirectory: join(disk, 'storage'), minFreeMegabytes: MIN_FREE_MiB },
      gc: { graceMinutes: 0 },
      jobs: { pollIntervalMs: 50 },
    });
    client = new TestClient(server.url);
  });
  after(async () => {
    try {
      await server?.close();
    } finally {
      unmount();
    }
  });

  async function readiness(): Promise<{ status: number; body: Readiness }> {
    const res = await fetch(`${server.url}/readyz`);
    return { status: res.status, body: (await res.json()) as Readiness };
  }

  async function pushBlob(name: string, data: Buffer): Promise<Response> {
    return client.request('POST', `/v2/${name}/blobs/uploads/?digest=${sha256(data)}`, {
      body: new Uint8Array(data),
      headers: { 'content-type': 'application/octet-stream' },
    });
  }

  function uploadsLeft(): string[] {
    try {
      return readdirSync(join(disk, 'storage', 'uploads'));
    } catch {
      return [];
    }
  }

  it('answers 507 with the storage-full message when a blob outgrows the disk, keeping no partial bytes', async () => {
    const before = freeBytes();
    const res = await pushBlob('library/big', randomBytes(before + 64 * MiB));
    assert.equal(res.status, 507);
    const body = (await res.json()) as ErrorBody;
    assert.equal(body.errors[0]!.code, 'DENIED');
    assert.equal(body.errors[0]!.message, "the registry's storage is full: no space left on the device");
    assert.deepEqual(uploadsLeft(), []);
    // Back to what was free, give or take the database's few pages.
    assert.ok(freeBytes() > before - MiB, `${freeBytes()} bytes free after the refused push, ${before} before`);
  });

  it('keeps the acknowledged chunks of an upload whose next chunk does not fit, and drops that chunk', async () => {
    const start = await client.request('POST', '/v2/library/chunked/blobs/uploads/');
    assert.equal(start.status, 202);
    const location = start.headers.get('location')!;
    const first = await client.request('PATCH', location, { body: new Uint8Array(randomBytes(MiB)), headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(first.status, 202);
    const before = freeBytes();
    const second = await client.request('PATCH', location, {
      body: new Uint8Array(randomBytes(before + MiB)),
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(second.status, 507);
    assert.match(((await second.json()) as ErrorBody).errors[0]!.message, /^the registry's storage is full: /);
    const status = await client.request('GET', location);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), `0-${MiB - 1}`);
    assert.ok(freeBytes() > before - MiB);
    assert.equal((await client.request('DELETE', location)).status, 204);
  });

  it('refuses pushes with 507 and reports not ready once free space falls below the minimum', async () => {
    // Each push measured afresh (the guard reuses a measurement for a second): the guard, not the disk, refuses.
    for (let i = 0; (await readiness()).status === 200; i++) {
      assert.ok(i < 20, 'the disk never came near full');
      const { digest } = await client.pushImage('library/filler', `v${i}`, randomBytes(LAYER_BYTES));
      pushed.push(digest);
      await new Promise((resolve) => setTimeout(resolve, 1100));
    }
    const ready = await readiness();
    assert.equal(ready.status, 503);
    assert.equal(ready.body.status, 'unavailable');
    const storage = ready.body.components.find((c) => c.name === 'storage');
    assert.equal(storage?.status, 'unhealthy');
    assert.match(storage?.error ?? '', new RegExp(`^\\d+\\.\\d MiB free for blobs, below the ${MIN_FREE_MiB}\\.0 MiB minimum$`));

    const blob = await pushBlob('library/filler', randomBytes(1024));
    assert.equal(blob.status, 507);
    const refused = (await blob.json()) as ErrorBody;
    assert.equal(refused.errors[0]!.code, 'DENIED');
    assert.match(refused.errors[0]!.message, /^the registry's storage is full: \d+\.\d MiB free for blobs, below the 8\.0 MiB minimum/);
    assert.equal((await client.request('POST', '/v2/library/filler/blobs/uploads/')).status, 507);
    const copy = await api(server.url, 'POST', `/projects/library/repositories/copied/artifacts?from=${encodeURIComponent(`library/filler@${pushed[0]}`)}`);
    assert.equal(copy.status, 507);
    assert.equal(((await copy.json()) as ErrorBody).errors[0]!.code, 'INSUFFICIENT_STORAGE');
    // Reads and logins still work.
    assert.equal((await client.request('GET', `/v2/library/filler/manifests/${pushed[0]}`)).status, 200);
    assert.equal((await api(server.url, 'GET', '/projects?name=library')).status, 200);
  });

  it('deletes artifacts and runs GC on the full disk, which frees space: ready again, and pushes work again', async () => {
    for (const digest of pushed) assert.equal((await client.request('DELETE', `/v2/library/filler/manifests/${digest}`)).status, 202);
    const gc = await runGc(server.url, { delete_untagged: true });
    assert.equal(gc.status, 'Success');
    assert.ok((gc.attrs.freed_space ?? 0) >= pushed.length * LAYER_BYTES);
    await eventually(async () => ((await readiness()).status === 200 ? true : undefined), 5000);
    assert.equal((await readiness()).body.status, 'ok');
    await client.pushImage('library/filler', 'after', randomBytes(LAYER_BYTES));
  });
});
