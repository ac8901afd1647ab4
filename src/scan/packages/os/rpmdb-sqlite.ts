import Database from 'better-sqlite3';
import { MalformedPackageDbError } from './errors.js';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export function isSqlite(db: Uint8Array): boolean {
  return db.byteLength >= 100 && Buffer.from(db.buffer, db.byteOffset, 16).equals(SQLITE_MAGIC);
}

/**
 * The header blobs of rpm's SQLite backend (`Packages(hnum, blob)`, rpm ≥ 4.16), read from the
 * file's bytes in memory. rpm leaves its database in WAL mode, which SQLite refuses to open from
 * memory; the copy is switched to rollback mode (file format bytes 18–19), which changes nothing
 * a reader sees since rpm checkpoints the log when it closes.
 */
export function sqliteHeaderBlobs(db: Uint8Array): Uint8Array[] {
  if (!isSqlite(db)) throw new MalformedPackageDbError('rpm SQLite', 'no SQLite header');
  const copy = Buffer.from(db);
  if (copy[18] === 2) copy[18] = 1;
  if (copy[19] === 2) copy[19] = 1;
  let handle: Database.Database | undefined;
  try {
    handle = new Database(copy, { readonly: true });
    const rows = handle.prepare('SELECT blob FROM Packages ORDER BY hnum').raw().all() as unknown[][];
    return rows.map((row) => row[0]).filter((blob): blob is Buffer => Buffer.isBuffer(blob));
  } catch (error) {
    throw new MalformedPackageDbError('rpm SQLite', (error as Error).message);
  } finally {
    handle?.close();
  }
}
