import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { dropTestSchema } from '../../testing/dialects.js';
import { eventually } from '../../testing/wait.js';
import { openDatabase, type Database } from './database.js';

const url = process.env.BERTH_TEST_PG_URL;
const POOL_SIZE = 3;

describe('PostgreSQL dropping the pool’s connections', { skip: url ? false : 'BERTH_TEST_PG_URL is unset' }, () => {
  const schema = `berth_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const lost: Error[] = [];
  let database: Database;

  before(async () => {
    database = await openDatabase({ url: url!, schema, poolSize: POOL_SIZE, onIdleConnectionLost: (err) => lost.push(err) });
  });
  after(async () => {
    await database.close();
    await dropTestSchema(url!, schema);
  });

  it('is told, and the next queries open new connections: the process goes on (a restart, a failover)', async () => {
    // Fill the pool: each of these holds its own connection until all have run.
    const backends = await Promise.all(
      Array.from({ length: POOL_SIZE }, async () => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid, pg_sleep(0.2)`.execute(database.db);
        return Number(rows[0]?.pid);
      }),
    );
    assert.equal(new Set(backends).size, POOL_SIZE);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // What a PostgreSQL restart does to every session.
      await admin.query('select pg_terminate_backend(pid) from unnest($1::int[]) as pid', [backends]);
    } finally {
      await admin.end();
    }
    await eventually(async () => (lost.length === POOL_SIZE ? true : undefined), 5_000);
    assert.match(lost[0]?.message ?? '', /terminating connection/);
    const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(database.db);
    assert.ok(!backends.includes(Number(rows[0]?.pid)), 'a new connection answered');
  });

  it('a connection lost while a transaction holds it (between its statements) fails that transaction, and the process goes on', async () => {
    // Transactions do storage work between statements (a blob's fsync and move; GC's deletes on S3).
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const failed = database.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        await admin.query('select pg_terminate_backend($1)', [Number(rows[0]?.pid)]);
        // The connection is lent out, idle: PostgreSQL's goodbye arrives as an 'error' event on it.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await sql`select 1`.execute(trx);
      });
      await assert.rejects(failed);
    } finally {
      await admin.end();
    }
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(database.db);
    assert.equal(Number(rows[0]?.one), 1);
  });
});
