import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase, type SqliteStatement, type Transaction } from 'kysely';
import type { Tables } from './tables.js';
import { migrateToLatest, type MigrationOutcome } from './migrate.js';
import { loadPg } from './pg.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  readonly dialect: Dialect;
  /** The PostgreSQL schema Berth works in, when not the default one. */
  readonly schema?: string;
  /** The SQLite file: its disk is measured by the free-space guard. Unset for PostgreSQL and in-memory SQLite. */
  readonly file?: string;
  readonly db: Kysely<Tables>;
  /** The connection pool now (PostgreSQL); SQLite has one connection and no pool. */
  pool?(): PoolStats;
  /**
   * A connection of its own, outside the pool, that LISTENs on `channel` (PostgreSQL only):
   * instances on one database tell each other this way which caches to drop.
   */
  listen?(channel: string, onMessage: (payload: string) => void): Promise<Listener>;
  /**
   * A number that moves whenever what a read sees may have changed: at once for a write through
   * this process's connection, within OTHER_COMMITS_LOOK_MS for a commit by any other (SQLite
   * only, where one process serves the file and `berth admin` may write beside it). Undefined
   * inside a transaction, where nothing read may be kept. Lets a hot read be reused as long as
   * it is still true (ReadMemo).
   */
  changes?(): number | undefined;
  close(): Promise<void>;
}

export interface Listener {
  /** Settles when the connection is lost (not when closed); messages sent meanwhile are missed. */
  readonly lost: Promise<void>;
  close(): Promise<void>;
}

export interface PoolStats {
  /** Connections open, busy or idle. */
  total: number;
  idle: number;
  /** Queries waiting for a connection. */
  waiting: number;
  max: number;
}

export type Executor = Kysely<Tables> | Transaction<Tables>;

export interface DatabaseOptions {
  /** `postgres://…`, or a SQLite file path. */
  url: string;
  poolSize?: number;
  /** PostgreSQL schema to work in (created when missing); lets test runs never clash. */
  schema?: string;
  /**
   * Told when PostgreSQL drops a connection that sat idle in the pool (a restart, a failover, a
   * firewall's idle timeout). The pool forgets it and the next query opens another.
   */
  onIdleConnectionLost?: (err: Error) => void;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * Opens the database and brings its schema to the latest migration; `migrations` says what that
 * did (nothing, when a newer Berth's migrations are there already).
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database & { readonly migrations: MigrationOutcome }> {
  const database = await connectDatabase(options);
  try {
    return { ...database, migrations: await migrateToLatest(database) };
  } catch (err) {
    await database.close();
    throw err;
  }
}

/** Opens the database as it is, migrating nothing (see migrateToLatest). */
export async function connectDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url.startsWith('postgres://') || options.url.startsWith('postgresql://') ? openPostgres(options) : openSqlite(options.url);
}

/**
 * How long a commit by another process (`berth admin` beside the server) may go unseen by
 * `changes`: far less than it takes that process to exit and anyone to send the next request.
 */
export const OTHER_COMMITS_LOOK_MS = 1;

/** SQLite's page cache per connection, in KiB. */
const SQLITE_CACHE_KIB = 2048;

function openSqlite(file: string): Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL in WAL mode survives a process crash; only an OS crash can lose the last commits.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // better-sqlite3 builds SQLite with a 16 MB page cache per connection, which fills as the
  // database grows (pull audit rows alone do it within minutes of manifest GETs) and stays
  // filled: most of a busy server's memory beyond the JS heap. The hot queries are indexed
  // lookups whose pages the OS caches anyway; SQLite's own default of about 2 MiB keeps them.
  sqlite.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
  const writes = { count: 0 };
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite, writes) }) });
  // Moves when another connection (another process) commits; this connection's own writes are counted apart.
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  let seenVersion = 0;
  let otherCommits = 0;
  let nextLook = 0;
  const changes = (): number | undefined => {
    if (sqlite.inTransaction) return undefined;
    // Asking costs file-lock calls, more than the read it guards: looked at once per interval.
    const now = performance.now();
    if (now >= nextLook) {
      nextLook = now + OTHER_COMMITS_LOOK_MS;
      const version = dataVersion.get() as number;
      if (version !== seenVersion) {
        seenVersion = version;
        otherCommits++;
      }
    }
    return otherCommits + writes.count;
  };
  return { dialect: 'sqlite', db, ...(file === ':memory:' ? {} : { file }), changes, close: () => db.destroy() };
}

/**
 * Kysely prepares every query anew; preparing costs more than running the small indexed
 * queries of the registry's hot paths, so statements are kept by their SQL text.
 */
function withStatementCache(sqlite: SQLite.Database, writes: { count: number }): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string): SqliteStatement {
      // Kysely opens a transaction with a plain (deferred) BEGIN: it reads under a snapshot and asks
      // for the write lock only at its first write. Had another process (`berth vulndb import`,
      // `berth admin`) committed in between, SQLite refuses that upgrade at once, without waiting
      // out the busy timeout ("database is locked"). Taking the write lock at BEGIN makes the other
      // process wait instead; within this process transactions already run one at a time.
      if (sql === 'begin') sql = 'begin immediate';
      let statement = statements.get(sql);
      if (!statement) {
        const prepared = sqlite.prepare(sql);
        statement = prepared.readonly ? prepared : countingWrites(prepared, writes);
        // Queries with IN lists vary in text; bound the cache rather than grow with them.
        if (statements.size >= 1000) statements.clear();
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

/**
 * A statement that may write, counted each time it runs (`Database.changes`). BEGIN, COMMIT and
 * ROLLBACK are read-only to SQLite and not counted: the writes between them are, and nothing is
 * kept while a transaction is open.
 */
function countingWrites(statement: SQLite.Statement, writes: { count: number }): SqliteStatement {
  return {
    reader: statement.reader,
    all(parameters: ReadonlyArray<unknown>): unknown[] {
      writes.count++;
      return statement.all(parameters);
    },
    run(parameters: ReadonlyArray<unknown>) {
      writes.count++;
      return statement.run(parameters);
    },
    iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
      writes.count++;
      return statement.iterate(parameters);
    },
  };
}

async function openPostgres(options: DatabaseOptions): Promise<Database> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const pg = await loadPg();
  // Sizes and timestamps are BIGINT; every value Berth stores fits a JS number exactly.
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID || oid === NUMERIC_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format),
  };
  if (schema) {
    const admin = new pg.Client({ connectionString: options.url });
    // A connection lost mid-statement fails the statement; the event must not end the process.
    admin.on('error', () => undefined);
    await admin.connect();
    try {
      // Instances starting together would race on the catalog even with IF NOT EXISTS.
      await admin.query('begin');
      await admin.query('select pg_advisory_xact_lock(hashtext($1))', [`berth schema ${schema}`]);
      await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await admin.query('commit');
    } finally {
      await admin.end();
    }
  }
  const connections = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    types,
    options: schema ? `-c search_path="${schema}"` : undefined,
  });
  // pg's pool raises an idle connection's failure as its own 'error' event, which, unheard,
  // would end the process when PostgreSQL restarts.
  connections.on('error', (err) => options.onIdleConnectionLost?.(err));
  // A connection lost while a query runs on it (a connection reset, a failover) raises 'error' on
  // the connection itself, which the pool does not listen to while it is lent out. The query is
  // failed with that error and the pool drops the connection when it comes back; the event
  // itself needs a listener, or it ends the process.
  connections.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool: connections }) });
  const max = options.poolSize ?? 10;
  const pool = () => ({ total: connections.totalCount, idle: connections.idleCount, waiting: connections.waitingCount, max });
  const listen = async (channel: string, onMessage: (payload: string) => void): Promise<Listener> => {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
    const client = new pg.Client({ connectionString: options.url });
    let closing = false;
    const lost = new Promise<void>((resolve) => {
      client.on('error', () => resolve());
      client.on('end', () => {
        if (!closing) resolve();
      });
    });
    client.on('notification', (message) => {
      if (message.channel === channel) onMessage(message.payload ?? '');
    });
    await client.connect();
    await client.query(`LISTEN "${channel}"`);
    return {
      lost,
      close: async () => {
        closing = true;
        await client.end().catch(() => undefined);
      },
    };
  };
  return { dialect: 'postgres', schema, db, pool, listen, close: () => db.destroy() };
}
