import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { MIGRATION_LOCK, openDatabase, type Database, type Dialect } from '../platform/db/index.js';

export interface TestDialect {
  name: Dialect;
  /** A fresh, migrated, empty database of its own. */
  open(): Promise<{ database: Database; url: string; schema?: string; cleanup(): Promise<void> }>;
}

/**
 * SQLite always; PostgreSQL when BERTH_TEST_PG_URL is set. In CI the variable must be
 * set: a suite that silently skipped PostgreSQL would pass without testing it.
 */
export function testDialects(): TestDialect[] {
  const dialects: TestDialect[] = [sqliteDialect];
  const pgUrl = process.env.BERTH_TEST_PG_URL;
  if (pgUrl) dialects.push(postgresDialect(pgUrl));
  else if (process.env.CI === 'true') throw new Error('CI=true but BERTH_TEST_PG_URL is unset: the PostgreSQL suite would be skipped');
  return dialects;
}

const sqliteDialect: TestDialect = {
  name: 'sqlite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'berth-db-'));
    const url = join(dir, 'berth.db');
    const database = await openDatabase({ url });
    return {
      database,
      url,
      async cleanup() {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

function postgresDialect(url: string): TestDialect {
  return {
    name: 'postgres',
    async open() {
      // Each test database is its own schema, so parallel runs and files never clash.
      const schema = `berth_test_${process.pid}_${randomBytes(4).toString('hex')}`;
      const database = await openDatabase({ url, schema, poolSize: 4 });
      return {
        database,
        url,
        schema,
        async cleanup() {
          await database.close();
          await dropTestSchema(url, schema);
        },
      };
    },
  };
}

/**
 * Drops a test run's schema. Under the migration lock: another run's migrator reads the catalog
 * of every schema, and a schema dropped under it fails its start.
 */
export async function dropTestSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
