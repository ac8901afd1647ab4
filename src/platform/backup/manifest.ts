import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Dialect } from '../db/index.js';

/** The backup layout's version; a restore refuses layouts it does not know. */
export const BACKUP_FORMAT = 1;
export const MANIFEST_FILE = 'berth-backup.json';
/** The database snapshot: `berth.db` (SQLite) or one `<table>.ndjson` per table (PostgreSQL). */
export const DATABASE_DIR = 'database';
export const SQLITE_FILE = 'berth.db';
/** The data directory's key file, when the backup brings it along. */
export const KEY_COPY = 'secret.key';

/** Where the key that seals the stored secrets was, and whether the backup holds it. */
export type KeyInBackup = 'included' | 'left-out' | 'configured' | 'none';

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  berthVersion: string;
  dialect: Dialect;
  /** ISO time the database snapshot was taken. */
  snapshotAt: string;
  /** The last schema migration the snapshot had. */
  migration: string;
  /** Rows per table in the snapshot. */
  tables: Record<string, number>;
  blobs: { count: number; bytes: number };
  secretKey: KeyInBackup;
}

export class BackupError extends Error {}

export function readManifest(dir: string): BackupManifest {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new BackupError(`${dir} holds no Berth backup (${MANIFEST_FILE} is missing; an interrupted backup leaves none)`);
  }
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(text) as BackupManifest;
  } catch {
    throw new BackupError(`${path} is not valid JSON`);
  }
  if (manifest.format !== BACKUP_FORMAT) throw new BackupError(`${path} has backup format ${String(manifest.format)}; this Berth reads format ${BACKUP_FORMAT}`);
  return manifest;
}

/** Written last, through a rename: a backup with a manifest is complete. */
export function writeManifest(dir: string, manifest: BackupManifest): void {
  const path = join(dir, MANIFEST_FILE);
  writeFileSync(`${path}.partial`, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(`${path}.partial`, path);
}
