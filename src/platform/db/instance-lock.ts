import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';

/** Another server holds the embedded database; the message says which process and where. */
export class InstanceLockedError extends Error {}

export interface InstanceLock {
  release(): void;
}

/**
 * One server per embedded database. Two servers on one SQLite file would each run
 * background work and answer each other's writes with "database is locked"; the second
 * one is refused at start instead.
 *
 * The lock is SQLite's own (an fcntl lock) on a small file of its own next to the database,
 * held by a write transaction that never ends: the kernel drops it when the process exits,
 * even on SIGKILL, so a crash leaves no stale lock and no pid can be mistaken for a live
 * one. The database file itself stays unlocked, so `berth admin` commands work while the
 * server runs. The holder's pid is written beside it only to be named in the refusal.
 */
export function lockEmbeddedDatabase(databaseFile: string, pid = process.pid): InstanceLock {
  const lockFile = `${databaseFile}.serve-lock`;
  const pidFile = `${databaseFile}.serve-pid`;
  mkdirSync(dirname(databaseFile), { recursive: true });
  // No waiting: a busy lock means another server, not a moment's contention.
  const sqlite = new SQLite(lockFile, { timeout: 0 });
  try {
    sqlite.pragma('journal_mode = DELETE');
    sqlite.exec('BEGIN IMMEDIATE');
  } catch (err) {
    sqlite.close();
    if ((err as { code?: unknown }).code !== 'SQLITE_BUSY') throw err;
    throw new InstanceLockedError(
      `another Berth is using ${dirname(databaseFile)} (${holder(pidFile)}); stop it first, or give this one its own --data-dir. ` +
        'Several servers can share one PostgreSQL database (database.url).',
    );
  }
  writeFileSync(pidFile, `${pid}\n`);
  return {
    release() {
      rmSync(pidFile, { force: true });
      sqlite.close();
    },
  };
}

function holder(pidFile: string): string {
  try {
    const pid = readFileSync(pidFile, 'utf8').trim();
    return /^\d+$/.test(pid) ? `pid ${pid}` : 'pid unknown';
  } catch {
    return 'pid unknown';
  }
}
