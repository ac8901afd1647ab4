import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkRestoreTarget, restoreDatabase, snapshotBlobs, type SnapshotTarget } from '../db/index.js';
import { keyFilePath, writeKeyFile } from '../secrets/index.js';
import type { StorageDriver } from '../storage/index.js';
import { restoreBlob } from './blobs.js';
import { BackupError, DATABASE_DIR, KEY_COPY, readManifest, type BackupManifest } from './manifest.js';
import { eachBounded } from './pool.js';
import type { Progress } from './progress.js';

const BLOB_CONCURRENCY = 4;

export interface RestoreTarget {
  database: SnapshotTarget;
  storage: StorageDriver;
  dataDir: string;
  /** Where the storage driver keeps blobs, when on local disk: it must be empty too. */
  storageDir?: string | undefined;
  /** True when secretKey is configured: that key, not a key file, opens the secrets. */
  keyConfigured: boolean;
}

export interface RestoreSummary {
  manifest: BackupManifest;
  blobs: number;
  bytes: number;
  /** What the operator should know or do next. */
  notes: string[];
}

function assertEmpty(dir: string, what: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new BackupError(`the ${what} ${dir} is not empty; restore needs an empty one (or one that does not exist yet)`);
}

/**
 * Recreates a data directory (and, for PostgreSQL, the database) from the backup in `src`:
 * refused before anything is written when the target is not empty. Each blob's digest is
 * checked as it goes back into storage.
 */
export async function runRestore(src: string, target: RestoreTarget, progress: Progress): Promise<RestoreSummary> {
  const manifest = readManifest(src);
  assertEmpty(target.dataDir, 'data directory');
  if (target.storageDir && !resolve(target.storageDir).startsWith(`${resolve(target.dataDir)}/`)) assertEmpty(target.storageDir, 'storage directory');
  if (!target.database.url.includes('://') && existsSync(target.database.url)) throw new BackupError(`a database already exists at ${target.database.url}`);
  await checkRestoreTarget(manifest, target.database);
  const snapshot = join(src, DATABASE_DIR);
  let done = 0;
  let bytes = 0;
  try {
    await restoreDatabase(manifest.dialect, snapshot, target.database, progress);
    progress.blobs(0, manifest.blobs.count, 0);
    await eachBounded(snapshotBlobs(manifest.dialect, snapshot), BLOB_CONCURRENCY, async (row) => {
      await restoreBlob(target.storage, src, row);
      bytes += row.size;
      progress.blobs(++done, manifest.blobs.count, bytes);
    });
  } catch (err) {
    // A retry is refused on a target that is no longer empty: say what to clear.
    throw new BackupError(
      `${(err as Error).message}; the restore stopped part way: empty ${target.dataDir}${target.database.url.includes('://') ? ' and drop the tables it created in the database' : ''} before trying again`,
    );
  }
  return { manifest, blobs: done, bytes, notes: restoreKey(src, manifest, target) };
}

function restoreKey(src: string, manifest: BackupManifest, target: RestoreTarget): string[] {
  const keyFile = keyFilePath({ dataDir: target.dataDir });
  switch (manifest.secretKey) {
    case 'included':
      writeKeyFile(keyFile, readFileSync(join(src, KEY_COPY), 'utf8').trim(), 'wx');
      return target.keyConfigured
        ? [`restored the secret key to ${keyFile}; secretKey is configured and takes precedence: it must be the backed-up server's key`]
        : [`restored the secret key to ${keyFile}`];
    case 'configured':
      return ["the backed-up server's key was configured (secretKey), so the backup holds none: set the same secretKey before starting Berth"];
    case 'left-out':
      return [`the backup was made without the key file: copy the backed-up server's secret.key to ${keyFile} before starting Berth`];
    case 'none':
      return [];
  }
}
