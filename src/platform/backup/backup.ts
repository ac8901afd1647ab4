import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { snapshotBlobs, snapshotDatabase, type SnapshotTarget } from '../db/index.js';
import type { StorageDriver } from '../storage/index.js';
import { backUpBlob, emptyTally, type BlobTally } from './blobs.js';
import { BackupError, DATABASE_DIR, KEY_COPY, MANIFEST_FILE, writeManifest, type BackupManifest, type KeyInBackup } from './manifest.js';
import { eachBounded } from './pool.js';
import type { Progress } from './progress.js';

/** Blobs copied at once. */
const BLOB_CONCURRENCY = 4;
const PARTIAL_DATABASE = `${DATABASE_DIR}.partial`;
const LOCK_FILE = '.lock';
/** What a backup directory may hold; anything else means DEST is some other directory. */
const OURS = new Set([
  MANIFEST_FILE,
  `${MANIFEST_FILE}.partial`,
  DATABASE_DIR,
  PARTIAL_DATABASE,
  'blobs',
  KEY_COPY,
  `${KEY_COPY}.partial`,
  LOCK_FILE,
  `${LOCK_FILE}-journal`,
]);

export interface BackupSource {
  database: SnapshotTarget;
  storage: StorageDriver;
  /** The data directory's key file, when the key in use comes from it. */
  keyFile?: string | undefined;
  /** True when the key is configured (secretKey): it is then never in the backup. */
  keyConfigured: boolean;
  includeKey: boolean;
  berthVersion: string;
}

export interface BackupSummary {
  manifest: BackupManifest;
  blobs: BlobTally;
}

function assertBackupDirectory(dest: string): void {
  if (!existsSync(dest)) return;
  const strangers = readdirSync(dest).filter((name) => !OURS.has(name));
  if (strangers.length > 0) {
    throw new BackupError(
      `${dest} holds files that are not part of a Berth backup (${strangers.slice(0, 3).join(', ')}); give an empty directory or an earlier backup's`,
    );
  }
}

/**
 * A backup into `dest`, taken while servers keep running.
 *
 * The database snapshot comes first; the blobs it lists are copied after it. That order is what
 * makes the pair consistent: blobs are immutable and named by their digest, so a blob the
 * snapshot lists has the same bytes whenever it is read, and it stays in storage while the copy
 * runs unless garbage collection removes it — which needs it unreferenced *and* older than the
 * GC grace window. A blob removed under the copy fails the backup with a message saying so
 * (never a backup missing a blob it needs); blobs pushed after the snapshot are not listed and
 * not copied. Copying before the snapshot would instead miss blobs the snapshot then references.
 *
 * Into a directory holding an earlier backup, only blobs not there yet are copied. The earlier
 * backup stays usable until the end: its manifest goes, and the new database replaces the old,
 * only once every blob is in place; the manifest, written last, marks the backup complete.
 */
export async function runBackup(source: BackupSource, dest: string, progress: Progress): Promise<BackupSummary> {
  assertBackupDirectory(dest);
  mkdirSync(dest, { recursive: true });
  const unlock = lockDestination(dest);
  try {
    return await backUpInto(source, dest, progress);
  } finally {
    unlock();
  }
}

/**
 * One backup at a time into a directory: SQLite's own lock on a small file, held by a write
 * transaction for the whole backup, so the kernel drops it when the process ends, even killed.
 */
function lockDestination(dest: string): () => void {
  const lock = new SQLite(join(dest, LOCK_FILE), { timeout: 0 });
  try {
    lock.pragma('journal_mode = DELETE');
    lock.exec('BEGIN IMMEDIATE');
  } catch (err) {
    lock.close();
    if ((err as { code?: unknown }).code === 'SQLITE_BUSY') throw new BackupError(`another berth backup is writing into ${dest}; wait for it to finish`);
    throw err;
  }
  return () => lock.close();
}

async function backUpInto(source: BackupSource, dest: string, progress: Progress): Promise<BackupSummary> {
  const partial = join(dest, PARTIAL_DATABASE);
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial);
  const snapshotAt = new Date().toISOString();
  const snapshot = await snapshotDatabase(source.database, partial, progress);
  const total = snapshot.content;
  const tally = emptyTally();
  let done = 0;
  let bytes = 0;
  progress.blobs(0, total, 0);
  await eachBounded(snapshotBlobs(snapshot.dialect, partial), BLOB_CONCURRENCY, async (row) => {
    bytes += await backUpBlob(source.storage, dest, row, tally);
    progress.blobs(++done, total, bytes);
  });
  const secretKey = copyKey(source, dest);
  const manifest: BackupManifest = {
    format: 1,
    berthVersion: source.berthVersion,
    dialect: snapshot.dialect,
    snapshotAt,
    migration: snapshot.migration,
    tables: snapshot.tables,
    blobs: { count: done, bytes },
    secretKey,
  };
  rmSync(join(dest, MANIFEST_FILE), { force: true });
  rmSync(join(dest, DATABASE_DIR), { recursive: true, force: true });
  renameSync(partial, join(dest, DATABASE_DIR));
  writeManifest(dest, manifest);
  return { manifest, blobs: tally };
}

function copyKey(source: BackupSource, dest: string): KeyInBackup {
  const copy = join(dest, KEY_COPY);
  if (source.keyConfigured) {
    rmSync(copy, { force: true });
    return 'configured';
  }
  if (!source.keyFile || !existsSync(source.keyFile)) {
    rmSync(copy, { force: true });
    return 'none';
  }
  if (!source.includeKey) {
    rmSync(copy, { force: true });
    return 'left-out';
  }
  copyFileSync(source.keyFile, `${copy}.partial`);
  chmodSync(`${copy}.partial`, 0o600);
  renameSync(`${copy}.partial`, copy);
  return 'included';
}
