import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { PathNotFoundError } from '../driver.js';
import { FilesystemDriver } from './driver.js';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Bytes in pieces of uneven sizes, so writes end off every batch edge. */
function pieces(total: number): Buffer[] {
  const out: Buffer[] = [];
  for (let left = total, i = 0; left > 0; i++) {
    const size = Math.min(left, [65536, 1, 300_001, 524288, 77][i % 5] as number);
    out.push(randomBytes(size));
    left -= size;
  }
  return out;
}

describe('filesystem digests on the digest thread (sha256Of)', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-digest-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const driver = new FilesystemDriver({ root, fsync: false, digestThread: true });

  function digestOf(path: string, size: number): Promise<string> {
    assert.ok(driver.sha256Of, 'a driver with the digest thread offers sha256Of');
    return driver.sha256Of(path, size);
  }

  async function append(path: string, data: Buffer[]): Promise<number> {
    const writer = await driver.writer(path, { append: true });
    const size = await writer.write(Readable.from(data));
    await writer.close();
    return size;
  }

  it('gives the digest of everything its writers wrote, over several writes', async () => {
    const first = pieces(3_000_000);
    const second = pieces(5_000_000);
    await append('uploads/a/data', first);
    const size = await append('uploads/a/data', second);
    assert.equal(await digestOf('uploads/a/data', size), sha256(Buffer.concat([...first, ...second])));
  });

  it('after a writer cuts the file back and other bytes follow, the digest is of the bytes now there', async () => {
    const path = 'uploads/b/data';
    const kept = randomBytes(600_000);
    await append(path, [kept, randomBytes(1_500_000)]);
    const writer = await driver.writer(path, { append: true });
    await writer.truncate(kept.length);
    const replaced = randomBytes(2_000_000);
    const size = await writer.write(Readable.from([replaced]));
    await writer.close();
    assert.equal(await digestOf(path, size), sha256(Buffer.concat([kept, replaced])));
  });

  it('after a file is written again from the start, the digest is of the new bytes', async () => {
    const path = 'uploads/c/data';
    await append(path, [randomBytes(1_000_000)]);
    const fresh = randomBytes(2_000_000);
    const writer = await driver.writer(path, { append: false });
    const size = await writer.write(Readable.from([fresh]));
    await writer.close();
    assert.equal(await digestOf(path, size), sha256(fresh));
  });

  it('a file the thread lost while idle is read whole when its digest is asked', async () => {
    const path = 'uploads/d/data';
    const before = pieces(12_000_000);
    await append(path, before);
    // Past the idle time the thread stops and forgets what it followed.
    await sleep(1500);
    const later = pieces(3_000_000);
    const size = await append(path, later);
    assert.equal(await digestOf(path, size), sha256(Buffer.concat([...before, ...later])));
  });

  it('uploads written at once each get their own digest', async () => {
    const datas = Array.from({ length: 4 }, () => pieces(4_000_000));
    const sizes = await Promise.all(datas.map((data, i) => append(`uploads/e${i}/data`, data)));
    const digests = await Promise.all(sizes.map((size, i) => digestOf(`uploads/e${i}/data`, size)));
    assert.deepEqual(
      digests,
      datas.map((data) => sha256(Buffer.concat(data))),
    );
  });

  it('a prefix of the file can be hashed, and a missing file or a size past its end is an error', async () => {
    const data = randomBytes(1_000_000);
    await append('uploads/f/data', [data]);
    assert.equal(await digestOf('uploads/f/data', 1000), sha256(data.subarray(0, 1000)));
    await assert.rejects(digestOf('uploads/f/data', 2_000_000), /holds/);
    await assert.rejects(digestOf('uploads/none/data', 10), PathNotFoundError);
  });

  it('is off unless asked for: a driver without it leaves hashing to its caller', () => {
    assert.equal(new FilesystemDriver({ root, fsync: false }).sha256Of, undefined);
  });

  it('a file moved away and deleted is not followed any more; a new file at its path is hashed afresh', async () => {
    const path = 'uploads/g/data';
    await append(path, [randomBytes(700_000)]);
    await driver.move(path, 'blobs/g');
    await driver.delete('uploads/g');
    const again = randomBytes(900_000);
    const size = await append(path, [again]);
    assert.equal(await digestOf(path, size), sha256(again));
  });
});
