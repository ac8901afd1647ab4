import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { storageDriverSuite } from '../driver.suite.js';
import { FilesystemDriver } from './driver.js';

for (const fsync of [true, false]) {
  storageDriverSuite(
    `filesystem (fsync ${fsync ? 'on' : 'off'})`,
    async () => {
      const root = mkdtempSync(join(tmpdir(), 'berth-fs-'));
      return { driver: new FilesystemDriver({ root, fsync }), cleanup: async () => rmSync(root, { recursive: true, force: true }) };
    },
    { redirects: false, durableOnClose: false },
  );
}

/** A 1 MiB tmpfs, or why there is none (mounting needs root). */
function mountTinyDisk(dir: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs here: ${(err as Error).message.split('\n')[0]}`;
  }
}

const disk = mkdtempSync(join(tmpdir(), 'berth-fs-full-'));
const unmountable = mountTinyDisk(disk);

describe('filesystem driver on a full disk', { skip: unmountable }, () => {
  const driver = new FilesystemDriver({ root: disk, fsync: true });
  let free = 0;

  before(() => {
    const stats = statfsSync(disk);
    free = stats.bavail * stats.bsize;
  });
  after(() => {
    if (!unmountable) execFileSync('umount', [disk]);
    rmSync(disk, { recursive: true, force: true });
  });

  it('reports the free space of its disk', async () => {
    assert.equal(await driver.freeBytes(), free);
  });

  it('leaves no half-written temp file behind when content does not fit', async () => {
    await assert.rejects(driver.putContent('blobs/sha256/ab/abc/data', Buffer.alloc(2 * 1024 * 1024)), { code: 'ENOSPC' });
    assert.deepEqual(readdirSync(join(disk, 'blobs/sha256/ab/abc')), []);
    assert.equal(await driver.freeBytes(), free);
  });
});
