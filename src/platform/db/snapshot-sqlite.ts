import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import type { SnapshotProgress, SnapshotResult } from './snapshot.js';

/** Pages copied per step: small steps let the server keep writing between them. */
const PAGES_PER_STEP = 1000;
/** Writes from the server restart SQLite's backup; after this many restarts it copies the rest in one step. */
const RESTARTS_BEFORE_ONE_STEP = 3;

/**
 * A consistent copy of the SQLite file through SQLite's online backup API, while the server
 * keeps running: each step copies pages under a read lock, and a write by another connection
 * makes SQLite start over, so the finished copy is one committed state of the database.
 */
export async function snapshotSqlite(file: string, target: string, progress: SnapshotProgress): Promise<SnapshotResult> {
  if (!existsSync(file)) throw new Error(`no database at ${file}`);
  const source = new SQLite(file, { fileMustExist: true });
  source.pragma('busy_timeout = 5000');
  let restarts = 0;
  let lastRemaining = Number.POSITIVE_INFINITY;
  let pages = 1;
  try {
    mkdirSync(dirname(target), { recursive: true });
    await source.backup(target, {
      progress: ({ totalPages, remainingPages }) => {
        if (remainingPages > lastRemaining) restarts++;
        lastRemaining = remainingPages;
        pages = totalPages;
        progress.database(totalPages - remainingPages, totalPages);
        return restarts >= RESTARTS_BEFORE_ONE_STEP ? totalPages : PAGES_PER_STEP;
      },
    });
    // The last step (or a lone one) reports nothing: the copy is whole now.
    progress.database(pages, pages);
  } finally {
    source.close();
  }
  // The copy carries the server's WAL mode; one self-contained file is what a backup should be.
  const copy = new SQLite(target);
  copy.pragma('journal_mode = DELETE');
  copy.close();
  return describeSqlite(target);
}

/** Row counts and schema level of a SQLite snapshot. */
export function describeSqlite(file: string): SnapshotResult {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const names = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").pluck().all() as string[];
    const tables: Record<string, number> = {};
    for (const name of names) tables[name] = db.prepare(`select count(*) from "${name}"`).pluck().get() as number;
    const migration = (db.prepare('select max(name) from kysely_migration').pluck().get() as string | null) ?? '';
    const content = db.prepare(`select count(distinct digest) from (${CONTENT})`).pluck().get() as number;
    return { dialect: 'sqlite', tables, migration, content };
  } finally {
    db.close();
  }
}

/** Every stored object the database names: blobs, and manifests (kept once per repository holding them). */
const CONTENT = 'select digest, size from blobs union all select digest, manifest_size as size from artifacts';

/** Each stored object a SQLite snapshot names, once, read a page at a time. */
export async function* sqliteBlobRows(file: string): AsyncGenerator<{ digest: string; size: number }> {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const page = db.prepare(`select digest, max(size) as size from (${CONTENT}) where digest > ? group by digest order by digest limit 500`);
    let after = '';
    for (;;) {
      const rows = page.all(after) as Array<{ digest: string; size: number }>;
      if (rows.length === 0) return;
      for (const row of rows) yield row;
      after = rows[rows.length - 1]!.digest;
    }
  } finally {
    db.close();
  }
}

/** Puts the snapshot in place as the data directory's database, checked first. */
export function restoreSqlite(snapshot: string, target: string): void {
  const check = new SQLite(snapshot, { readonly: true, fileMustExist: true });
  try {
    const verdict = check.pragma('integrity_check', { simple: true });
    if (verdict !== 'ok') throw new Error(`the backup's database fails SQLite's integrity check: ${String(verdict)}`);
  } finally {
    check.close();
  }
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(snapshot, target);
}
