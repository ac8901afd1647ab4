import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Database, Dialect } from './database.js';
import type { Tables } from './tables.js';
import * as init from './migrations/0001_init.js';
import * as access from './migrations/0002_access.js';
import * as artifacts from './migrations/0003_artifacts.js';
import * as immutability from './migrations/0004_immutability.js';
import * as quotas from './migrations/0005_quotas.js';
import * as listingIndexes from './migrations/0006_listing_indexes.js';
import * as jobs from './migrations/0007_jobs.js';
import * as gc from './migrations/0008_gc.js';
import * as retention from './migrations/0009_retention.js';
import * as webhooks from './migrations/0010_webhooks.js';
import * as artifactFacts from './migrations/0011_artifact_facts.js';
import * as uploadBounds from './migrations/0012_upload_bounds.js';
import * as harborAccessoryTypes from './migrations/0013_harbor_accessory_types.js';
import * as listFilters from './migrations/0014_list_filters.js';
import * as vulndb from './migrations/0015_vulndb.js';
import * as scans from './migrations/0016_scans.js';
import * as cveAllowlists from './migrations/0017_cve_allowlists.js';
import * as scanAll from './migrations/0019_scan_all.js';
import * as contentTrust from './migrations/0020_content_trust.js';
import * as notationTimestamps from './migrations/0021_notation_timestamps.js';
import * as registries from './migrations/0022_registries.js';
import * as keylessIdentities from './migrations/0023_keyless_identities.js';
import * as proxyCache from './migrations/0024_proxy_cache.js';
import * as replicationPolicies from './migrations/0025_replication_policies.js';
import * as executionEndEvents from './migrations/0028_execution_end_events.js';
import * as taskCheckpoints from './migrations/0029_task_checkpoints.js';
import * as uploadWriters from './migrations/0030_upload_writers.js';

interface DialectMigration {
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}

/** Listed in code, not discovered on disk, so a build can never miss one. */
const MIGRATIONS: Record<string, DialectMigration> = {
  '0001_init': init,
  '0002_access': access,
  '0003_artifacts': artifacts,
  '0004_immutability': immutability,
  '0005_quotas': quotas,
  '0006_listing_indexes': listingIndexes,
  '0007_jobs': jobs,
  '0008_gc': gc,
  '0009_retention': retention,
  '0010_webhooks': webhooks,
  '0011_artifact_facts': artifactFacts,
  '0012_upload_bounds': uploadBounds,
  '0013_harbor_accessory_types': harborAccessoryTypes,
  '0014_list_filters': listFilters,
  '0015_vulndb': vulndb,
  '0016_scans': scans,
  '0017_cve_allowlists': cveAllowlists,
  '0019_scan_all': scanAll,
  '0020_content_trust': contentTrust,
  '0021_notation_timestamps': notationTimestamps,
  '0022_registries': registries,
  '0023_keyless_identities': keylessIdentities,
  '0024_proxy_cache': proxyCache,
  '0025_replication_policies': replicationPolicies,
  '0028_execution_end_events': executionEndEvents,
  '0029_task_checkpoints': taskCheckpoints,
  '0030_upload_writers': uploadWriters,
};

/** Every migration's name, in order. */
export function migrationNames(): string[] {
  return Object.keys(MIGRATIONS);
}

class StaticProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, migration] of Object.entries(MIGRATIONS)) {
      out[name] = { up: (db) => migration.up(db, this.dialect) };
    }
    return out;
  }
}

/**
 * Any fixed number: the advisory lock that lets one instance at a time migrate a PostgreSQL
 * database. Kysely's migrator reads the catalog of every schema, so whatever drops a schema on
 * the same server (test runs cleaning up) takes this lock too.
 */
export const MIGRATION_LOCK = 0x62657274;

export async function migrateToLatest(database: Database): Promise<void> {
  if (database.dialect !== 'postgres') return migrate(database.db, database);
  // Instances starting together would race to create Kysely's own bookkeeping tables; on one
  // connection holding a session lock, they migrate one after the other.
  await database.db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`.execute(connection);
    try {
      await migrate(connection, database);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`.execute(connection);
    }
  });
}

async function migrate(db: Kysely<Tables>, database: Database): Promise<void> {
  // Kysely looks for its bookkeeping tables in every schema unless told which one is ours.
  const migrator = new Migrator({
    db,
    provider: new StaticProvider(database.dialect),
    ...(database.schema ? { migrationTableSchema: database.schema } : {}),
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

/** The newest migration this build knows: a backup's schema level is compared with it. */
export const LATEST_MIGRATION: string = Object.keys(MIGRATIONS).sort().at(-1) ?? '';
