import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { HashingStream, parseDigest, type Digest } from '../lib/index.js';
import { blobPath, uploadPath, type StorageDriver } from '../storage/index.js';
import { BackupError } from './manifest.js';

export interface BlobTally {
  copied: number;
  copiedBytes: number;
  /** Already in the destination from an earlier backup (content addressing: same name, same bytes). */
  present: number;
  presentBytes: number;
}

export const emptyTally = (): BlobTally => ({ copied: 0, copiedBytes: 0, present: 0, presentBytes: 0 });

function digestOfRow(text: string): Digest {
  try {
    return parseDigest(text);
  } catch {
    throw new BackupError(`the database names a blob with an invalid digest: ${text}`);
  }
}

function sizeOf(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

/**
 * Copies one blob from storage into the backup unless a file of its size is there already,
 * hashing it on the way: a blob whose bytes do not match its digest fails the backup rather
 * than being saved as if sound. Written beside its place, then renamed into it.
 */
export async function backUpBlob(storage: StorageDriver, dest: string, row: { digest: string; size: number }, tally: BlobTally): Promise<number> {
  const digest = digestOfRow(row.digest);
  const target = join(dest, blobPath(digest));
  if (sizeOf(target) === row.size) {
    tally.present++;
    tally.presentBytes += row.size;
    return row.size;
  }
  let source;
  try {
    source = await storage.read(blobPath(digest));
  } catch {
    throw new BackupError(
      `blob ${row.digest} is in the database snapshot but not in storage: it was deleted after the snapshot (garbage collection with a grace window shorter than the backup took?) or storage lost it; run the backup again`,
    );
  }
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.partial-${randomBytes(4).toString('hex')}`;
  const hash = createHash(digest.algorithm);
  try {
    await pipeline(source, new HashingStream(hash), createWriteStream(partial));
    const actual = hash.digest('hex');
    if (actual !== digest.hex)
      throw new BackupError(`blob ${row.digest} in storage does not match its digest (it hashes to ${digest.algorithm}:${actual}): storage is damaged`);
    renameSync(partial, target);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
  tally.copied++;
  tally.copiedBytes += row.size;
  return row.size;
}

/**
 * Puts one blob of the backup into storage the way an upload lands: written under uploads/,
 * its digest checked, then moved to its content address.
 */
export async function restoreBlob(storage: StorageDriver, src: string, row: { digest: string; size: number }): Promise<void> {
  const digest = digestOfRow(row.digest);
  const file = join(src, blobPath(digest));
  if (sizeOf(file) === undefined) throw new BackupError(`the backup lacks blob ${row.digest} (${file}) that its database names`);
  const staging = uploadPath(`restore-${randomBytes(8).toString('hex')}`);
  const writer = await storage.writer(staging, { append: false });
  const hash = createHash(digest.algorithm);
  try {
    // Joined by pipeline, not pipe(): a read that fails (a damaged disk) fails the write with
    // its error instead of being an 'error' nobody listens to.
    const hashing = new HashingStream(hash);
    const reading = pipeline(createReadStream(file), hashing);
    // Its failure reaches the write through `hashing`; awaited below only once the write is whole.
    reading.catch(() => undefined);
    await writer.write(hashing);
    await reading;
    await writer.commit();
  } catch (err) {
    await writer.close().catch(() => undefined);
    await storage.delete(dirname(staging));
    throw err;
  }
  const actual = hash.digest('hex');
  if (actual !== digest.hex) {
    await storage.delete(dirname(staging));
    throw new BackupError(`blob ${row.digest} in the backup does not match its digest (it hashes to ${digest.algorithm}:${actual}): the backup is damaged`);
  }
  await storage.move(staging, blobPath(digest));
  await storage.delete(dirname(staging));
}
