import { once } from 'node:events';
import { createReadStream, createWriteStream, readdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { createInterface } from 'node:readline';
import type * as pg from 'pg';
import { LATEST_MIGRATION } from './migrate.js';
import { loadPg } from './pg.js';
import type { SnapshotProgress, SnapshotResult } from './snapshot.js';

/** Rows per FETCH from a table's cursor: what is held in memory at once. */
const FETCH_ROWS = 1000;
/** A load batch ends at this many rows or this many bytes of JSON, whichever comes first. */
const LOAD_ROWS = 1000;
const LOAD_BYTES = 4 * 1024 * 1024;
/** Kysely's lock row is the migrator's business; its migration list is restored by migrating. */
const NOT_COPIED = new Set(['kysely_migration_lock']);
const NOT_LOADED = new Set(['kysely_migration', 'kysely_migration_lock']);
/** The stored objects the snapshot names, one `{digest, size}` a line (not a table). */
const CONTENT_FILE = 'content.list';

async function connect(url: string, schema: string | undefined): Promise<pg.Client> {
  const { Client } = await loadPg();
  const client = new Client({ connectionString: url, ...(schema ? { options: `-c search_path="${schema}"` } : {}) });
  // A connection lost while the backup writes a file or the restore reads one (PostgreSQL
  // restarting) fails the next statement; unheard, the event itself would end the command first.
  client.on('error', () => undefined);
  return client;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function tablesOf(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    "select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name",
  );
  return rows.map((row) => row.name);
}

async function write(out: WriteStream, text: string): Promise<void> {
  if (out.errored) throw out.errored;
  if (!out.write(text)) await once(out, 'drain');
}

/**
 * Every table of Berth's schema as NDJSON (one `row_to_json` per line, so jsonb stays JSON,
 * bytea its hex text, numbers exact), all read in one REPEATABLE READ transaction: one
 * consistent state of the database however many writes the running servers commit meanwhile.
 * Streamed through cursors; at most FETCH_ROWS rows are in memory.
 */
export async function snapshotPostgres(url: string, schema: string | undefined, dir: string, progress: SnapshotProgress): Promise<SnapshotResult> {
  const client = await connect(url, schema);
  await client.connect();
  try {
    await client.query('begin isolation level repeatable read read only');
    const names = (await tablesOf(client)).filter((name) => !NOT_COPIED.has(name));
    if (!names.includes('kysely_migration')) throw new Error('the database holds no Berth schema (no kysely_migration table)');
    const tables: Record<string, number> = {};
    let index = 0;
    for (const name of names) {
      progress.database(index++, names.length);
      tables[name] = await writeLines(client, `select row_to_json(t)::text as line from ${ident(name)} t`, join(dir, `${name}.ndjson`));
    }
    const content = await writeLines(
      client,
      `select json_build_object('digest', digest, 'size', max(size))::text as line
         from (select digest, size from blobs union all select digest, manifest_size from artifacts) c
        group by digest order by digest`,
      join(dir, CONTENT_FILE),
    );
    progress.database(names.length, names.length);
    const { rows } = await client.query<{ name: string | null }>('select max(name) as name from kysely_migration');
    await client.query('commit');
    return { dialect: 'postgres', tables, migration: rows[0]?.name ?? '', content };
  } finally {
    await client.end();
  }
}

/** Streams a query's `line` column into a file through a cursor; answers the number of lines. */
async function writeLines(client: pg.Client, query: string, file: string): Promise<number> {
  const out = createWriteStream(file);
  // A write that fails (a full disk) while nothing waits on the stream is read from `errored` at
  // the next write and by finished() at the end; the listener keeps it from ending the process.
  out.on('error', () => undefined);
  let count = 0;
  try {
    await client.query(`declare lines_of no scroll cursor for ${query}`);
    for (;;) {
      const { rows } = await client.query<{ line: string }>(`fetch ${FETCH_ROWS} from lines_of`);
      if (rows.length === 0) break;
      await write(out, rows.map((row) => `${row.line}\n`).join(''));
      count += rows.length;
    }
    await client.query('close lines_of');
  } catch (err) {
    out.destroy();
    await finished(out).catch(() => undefined);
    throw err;
  }
  out.end();
  await finished(out);
  return count;
}

/** Each stored object a PostgreSQL snapshot names (blobs and manifests), once, read line by line. */
export async function* postgresBlobRows(dir: string): AsyncGenerator<{ digest: string; size: number }> {
  const lines = createInterface({ input: createReadStream(join(dir, CONTENT_FILE)), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    const row = JSON.parse(line) as { digest: string; size: number | string };
    yield { digest: row.digest, size: Number(row.size) };
  }
}

/** Refuses a database that already holds tables: a restore never mixes with other data. */
export async function assertEmptyPostgres(url: string, schema: string | undefined): Promise<void> {
  const client = await connect(url, schema);
  await client.connect();
  try {
    const names = await tablesOf(client);
    if (names.length > 0) {
      const { rows } = await client.query<{ schema: string }>('select current_schema() as schema');
      throw new Error(
        `the database is not empty: schema "${rows[0]?.schema ?? '?'}" holds ${names.length} tables (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}); restore needs an empty database`,
      );
    }
  } finally {
    await client.end();
  }
}

/**
 * Loads a PostgreSQL snapshot into a database migrated to the snapshot's level, in one
 * transaction: foreign keys are dropped, every table emptied and filled, the keys added back
 * (checked then, against all rows) and each serial sequence moved past the highest id.
 */
export async function loadPostgres(url: string, schema: string | undefined, dir: string, progress: SnapshotProgress): Promise<void> {
  const files = new Set(readdirSync(dir).filter((file) => file.endsWith('.ndjson')));
  const client = await connect(url, schema);
  await client.connect();
  try {
    await client.query('begin');
    const { rows: keys } = await client.query<{ tbl: string; name: string; def: string }>(
      `select cl.relname as tbl, c.conname as name, pg_get_constraintdef(c.oid) as def
         from pg_constraint c join pg_class cl on cl.oid = c.conrelid
        where c.contype = 'f' and c.connamespace = current_schema()::regnamespace`,
    );
    for (const key of keys) await client.query(`alter table ${ident(key.tbl)} drop constraint ${ident(key.name)}`);
    const names = (await tablesOf(client)).filter((name) => !NOT_LOADED.has(name));
    const missing = names.filter((name) => !files.has(`${name}.ndjson`));
    if (missing.length > 0) throw new Error(`the backup has no rows file for ${missing.join(', ')}`);
    let index = 0;
    for (const name of names) {
      progress.database(index++, names.length);
      await client.query(`truncate ${ident(name)}`);
      await loadTable(client, name, join(dir, `${name}.ndjson`));
    }
    progress.database(names.length, names.length);
    for (const key of keys) await client.query(`alter table ${ident(key.tbl)} add constraint ${ident(key.name)} ${key.def}`);
    const { rows: serials } = await client.query<{ tbl: string; col: string; seq: string }>(
      `select table_name as tbl, column_name as col, pg_get_serial_sequence(quote_ident(table_name), column_name) as seq
         from information_schema.columns
        where table_schema = current_schema() and pg_get_serial_sequence(quote_ident(table_name), column_name) is not null`,
    );
    for (const serial of serials) {
      await client.query(`select setval($1, coalesce((select max(${ident(serial.col)}) from ${ident(serial.tbl)}), 0) + 1, false)`, [serial.seq]);
    }
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}

async function loadTable(client: pg.Client, name: string, file: string): Promise<void> {
  const insert = `insert into ${ident(name)} overriding system value select * from json_populate_recordset(null::${ident(name)}, $1::json)`;
  let batch: string[] = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await client.query(insert, [`[${batch.join(',')}]`]);
    batch = [];
    bytes = 0;
  };
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    batch.push(line);
    bytes += line.length;
    if (batch.length >= LOAD_ROWS || bytes >= LOAD_BYTES) await flush();
  }
  await flush();
}

export { LATEST_MIGRATION };
