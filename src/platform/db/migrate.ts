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
import * as proxyFetches from './migrations/0031_proxy_fetches.js';
import * as userGroups from './migrations/0032_user_groups.js';
import * as chartVersions from './migrations/0033_chart_versions.js';
import * as sealedSettings from './migrations/0034_sealed_settings.js';
import * as oidcUsers from './migrations/0036_oidc_users.js';

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
  '0031_proxy_fetches': proxyFetches,
  '0032_user_groups': userGroups,
  '0033_chart_versions': chartVersions,
  '0034_sealed_settings': sealedSettings,
  '0036_oidc_users': oidcUsers,
};

/** Every migration's name, in order. */
export function migrationNames(): string[] {
  return Object.keys(MIGRATIONS);
}

class StaticProvider implements MigrationProvider {
  constructor(
    private readonly dialect: Dialect,
    private readonly names: readonly string[],
  ) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const name of this.names) {
      const migration = MIGRATIONS[name];
      if (migration) out[name] = { up: (db) => migration.up(db, this.dialect) };
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

/** What bringing the schema up to date did. */
export interface MigrationOutcome {
  /** The migrations applied now, in order; empty when the schema was up to date. */
  applied: string[];
  /**
   * Migrations the database has and this build does not know: a newer Berth migrated it. This
   * build then applies nothing (it never migrates backwards) and works with the schema as it is,
   * which it can because migrations only add (see releases.ts).
   */
  newer: string[];
}

/**
 * Brings the schema up to the newest of `migrations` (all this build has, unless told: a prefix
 * is what an older build of Berth had). Instances starting together take turns.
 */
export async function migrateToLatest(database: Database, migrations: readonly string[] = migrationNames()): Promise<MigrationOutcome> {
  for (const name of migrations) if (!Object.hasOwn(MIGRATIONS, name)) throw new Error(`no migration ${name}`);
  if (database.dialect !== 'postgres') return migrate(database.db, database, migrations);
  // Instances starting together would race to create Kysely's own bookkeeping tables; on one
  // connection holding a session lock, they migrate one after the other.
  return database.db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`.execute(connection);
    try {
      return await migrate(connection, database, migrations);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`.execute(connection);
    }
  });
}

async function migrate(db: Kysely<Tables>, database: Database, migrations: readonly string[]): Promise<MigrationOutcome> {
  const executed = await executedMigrations(db, database);
  const known = new Set(migrations);
  const newer = executed.filter((name) => !known.has(name));
  if (newer.length > 0) {
    const done = new Set(executed);
    const missing = migrations.filter((name) => !done.has(name));
    if (missing.length > 0) {
      throw new Error(
        `the database schema has migrations this Berth does not know (${newer.join(', ')}) and lacks ones it needs (${missing.join(', ')}): ` +
          'run the newest Berth that used this database, or restore a backup made by this version',
      );
    }
    return { applied: [], newer };
  }
  // Kysely looks for its bookkeeping tables in every schema unless told which one is ours.
  const migrator = new Migrator({
    db,
    provider: new StaticProvider(database.dialect, migrations),
    ...(database.schema ? { migrationTableSchema: database.schema } : {}),
    // Migration numbers are handed out before their features land, so one may be merged after a
    // higher one a database already has: it is applied then, not refused.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return { applied: (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName), newer: [] };
}

/** The migrations the database has had applied (none before its first migration). */
async function executedMigrations(db: Kysely<Tables>, database: Database): Promise<string[]> {
  const table = database.schema ? `"${database.schema}".kysely_migration` : 'kysely_migration';
  const found =
    database.dialect === 'postgres'
      ? await sql<{ present: string | null }>`select to_regclass(${table})::text as present`.execute(db)
      : await sql<{ present: string | null }>`select name as present from sqlite_master where type = 'table' and name = 'kysely_migration'`.execute(db);
  if (!found.rows[0]?.present) return [];
  const rows = await sql<{ name: string }>`select name from ${sql.table(database.schema ? `${database.schema}.kysely_migration` : 'kysely_migration')}`.execute(db);
  return rows.rows.map((row) => row.name);
}

/** The newest migration this build knows: a backup's schema level is compared with it. */
export const LATEST_MIGRATION: string = Object.keys(MIGRATIONS).sort().at(-1) ?? '';
