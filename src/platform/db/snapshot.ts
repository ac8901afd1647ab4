import { join } from 'node:path';
import { openDatabase, type Dialect } from './database.js';
import { LATEST_MIGRATION } from './migrate.js';
import { assertEmptyPostgres, loadPostgres, postgresBlobRows, snapshotPostgres } from './snapshot-postgres.js';
import { restoreSqlite, snapshotSqlite, sqliteBlobRows } from './snapshot-sqlite.js';

/** Where a snapshot is taken from or restored to: a SQLite file or a PostgreSQL URL (and schema). */
export interface SnapshotTarget {
  url: string;
  schema?: string | undefined;
}

export interface SnapshotProgress {
  /** `done` of `total` pages (SQLite) or tables (PostgreSQL). */
  database(done: number, total: number): void;
}

export interface SnapshotResult {
  dialect: Dialect;
  tables: Record<string, number>;
  migration: string;
  /** Stored objects (blobs and manifests) the snapshot names. */
  content: number;
}

/** The SQLite snapshot's file name inside the snapshot directory. */
const SQLITE_FILE = 'berth.db';

export class SnapshotError extends Error {}

function dialectOf(url: string): Dialect {
  return url.startsWith('postgres://') || url.startsWith('postgresql://') ? 'postgres' : 'sqlite';
}

/** Takes one consistent snapshot of the database into the empty directory `dir`. */
export function snapshotDatabase(target: SnapshotTarget, dir: string, progress: SnapshotProgress): Promise<SnapshotResult> {
  return dialectOf(target.url) === 'postgres'
    ? snapshotPostgres(target.url, target.schema, dir, progress)
    : snapshotSqlite(target.url, join(dir, SQLITE_FILE), progress);
}

/** The blob rows (digest, size) the snapshot in `dir` holds, streamed. */
export function snapshotBlobs(dialect: Dialect, dir: string): AsyncGenerator<{ digest: string; size: number }> {
  return dialect === 'postgres' ? postgresBlobRows(dir) : sqliteBlobRows(join(dir, SQLITE_FILE));
}

/**
 * Checks, before anything is written, that the snapshot can go into `target`: the same
 * dialect, a schema level this build has, and (PostgreSQL) an empty database.
 */
export async function checkRestoreTarget(snapshot: { dialect: Dialect; migration: string }, target: SnapshotTarget): Promise<void> {
  const dialect = dialectOf(target.url);
  if (snapshot.dialect !== 'sqlite' && snapshot.dialect !== 'postgres')
    throw new SnapshotError(`the backup names an unknown kind of database: ${String(snapshot.dialect)}`);
  if (dialect !== snapshot.dialect) {
    throw new SnapshotError(
      `the backup is of a ${snapshot.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite'} database and restores into the same kind only; ` +
        (snapshot.dialect === 'postgres' ? 'set database.url (BERTH_DATABASE_URL) to an empty PostgreSQL database' : 'leave database.url unset'),
    );
  }
  if (snapshot.migration > LATEST_MIGRATION) {
    throw new SnapshotError(
      `the backup's schema (migration ${snapshot.migration}) is newer than this Berth's (${LATEST_MIGRATION}); restore with the Berth version that made it`,
    );
  }
  if (dialect === 'postgres') {
    // Rows are loaded into the schema this build creates; another level's rows might not fit it.
    if (snapshot.migration !== LATEST_MIGRATION) {
      throw new SnapshotError(
        `the backup's schema is at migration ${snapshot.migration}, this Berth's at ${LATEST_MIGRATION}: restore with the Berth version that made the backup, then upgrade`,
      );
    }
    await assertEmptyPostgres(target.url, target.schema);
  }
}

/** Recreates the database from the snapshot in `dir`. SQLite files are migrated up when a newer Berth opens them. */
export async function restoreDatabase(dialect: Dialect, dir: string, target: SnapshotTarget, progress: SnapshotProgress): Promise<void> {
  if (dialect === 'sqlite') {
    restoreSqlite(join(dir, SQLITE_FILE), target.url);
    progress.database(1, 1);
    return;
  }
  // Migrating creates the tables, their keys and sequences; the rows come from the snapshot.
  const database = await openDatabase({ url: target.url, poolSize: 1, ...(target.schema ? { schema: target.schema } : {}) });
  await database.close();
  await loadPostgres(target.url, target.schema, dir, progress);
}
