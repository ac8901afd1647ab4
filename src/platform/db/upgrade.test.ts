/**
 * Upgrades: a database written by an older Berth, at each step of the migration history and at
 * the previous release's schema (releases.ts), migrated by this one and read back through the
 * API and /v2/; the rolling-upgrade rule (migrations after the previous release only add); and
 * what an older Berth does with a schema newer than itself.
 *
 * The old data is written with the old schema's own SQL (plain INSERTs naming the columns that
 * schema has), never through today's services, which expect today's schema.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import pg from 'pg';
import { hashPassword } from '../../auth/passwords.js';
import { startServer, type RunningServer } from '../../server.js';
import { api, expectJson } from '../../testing/api.js';
import { runBerth } from '../../testing/cli.js';
import { basic, TestClient } from '../../testing/client.js';
import { imageManifest, smallBlob } from '../../testing/registry-content.js';
import { parseConfig } from '../config/load.js';
import { createStorage } from '../storage/index.js';
import { connectDatabase, type Database, type Dialect } from './database.js';
import { migrateToLatest, migrationNames } from './migrate.js';
import { PREVIOUS_RELEASE_MIGRATION } from './releases.js';
import type { Tables } from './tables.js';

const PG_URL = process.env.BERTH_TEST_PG_URL;
if (!PG_URL && process.env.CI === 'true') throw new Error('CI=true but BERTH_TEST_PG_URL is unset: the PostgreSQL upgrade tests would be skipped');
const DIALECTS: Dialect[] = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

const NAMES = migrationNames();
const LATEST = NAMES.length - 1;
const PREVIOUS = NAMES.indexOf(PREVIOUS_RELEASE_MIGRATION);
const ADMIN_PASSWORD = 'Upgrade-admin-1';
const ALICE_PASSWORD = 'Upgrade-alice-1';
const ROBOT_SECRET = 'Upgrade-robot-1';
const ADMIN = basic('admin', ADMIN_PASSWORD);

/** A data directory and an empty database of its own (PostgreSQL: a database, as `berth serve` takes a URL). */
interface Place {
  dialect: Dialect;
  dataDir: string;
  /** The database URL (SQLite: the file). */
  url: string;
  cleanup(): Promise<void>;
}

async function onPostgres(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function sessionsGone(database: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const { rows } = await client.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [database]);
      if (rows[0]?.n === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await client.end();
  }
}

/** Runs `work` in a fresh data directory and database, removed afterwards whatever happens. */
async function inFreshPlace(dialect: Dialect, work: (place: Place) => Promise<void>): Promise<void> {
  const place = await freshPlace(dialect);
  try {
    await work(place);
  } finally {
    await place.cleanup();
  }
}

async function freshPlace(dialect: Dialect): Promise<Place> {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-upgrade-'));
  if (dialect === 'sqlite') {
    return { dialect, dataDir, url: join(dataDir, 'berth.db'), cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `berth_upgrade_${process.pid}_${randomBytes(4).toString('hex')}`;
  await onPostgres(`CREATE DATABASE ${name}`);
  const url = new URL(PG_URL!);
  url.pathname = `/${name}`;
  return {
    dialect,
    dataDir,
    url: url.toString(),
    async cleanup() {
      // Connections a closed server ended can linger a moment on the server side; dropping the
      // database under them would break them from here.
      await sessionsGone(name);
      await onPostgres(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function serverConfig(place: Place) {
  return parseConfig({
    dataDir: place.dataDir,
    ...(place.dialect === 'postgres' ? { database: { url: place.url } } : {}),
    server: { host: '127.0.0.1', port: 0 },
    auth: { adminPassword: ADMIN_PASSWORD },
    storage: { fsync: false, minFreeMegabytes: 0 },
    log: { level: 'silent' },
  });
}

/** Runs `berth serve` (in this process) on the place until `body` is done. */
async function serving<T>(place: Place, body: (server: RunningServer, announced: string[]) => Promise<T>): Promise<T> {
  const announced: string[] = [];
  const server = await startServer(serverConfig(place), (line) => announced.push(line));
  try {
    return await body(server, announced);
  } finally {
    await server.close();
  }
}

// ---------------------------------------------------------------------------------------------
// What an older Berth wrote: each step names the migration whose tables it needs, and writes
// rows the way Berth did once that migration had run.

const config = smallBlob(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Env: ['PATH=/bin'] }, rootfs: { type: 'layers', diff_ids: [] } }));
const layer = smallBlob('the layer of shop/app, pushed by an older Berth');
const manifest = imageManifest(config, layer);
const ARTIFACT_SIZE = manifest.bytes.length + config.bytes.length + layer.bytes.length;
const T0 = 1_700_000_000_000;

interface Ids {
  admin: number;
  alice: number;
  library: number;
  shop: number;
  repository: number;
  artifact: number;
  registry: number;
}

interface SeedStep {
  after: string;
  run(db: Kysely<Tables>, ids: Ids): Promise<void>;
}

type Value = string | number | null;

/** `insert into <table> (<columns>) values (…)`, answering the new row's id when asked. */
async function insert(db: Kysely<Tables>, table: string, row: Record<string, Value>, returningId = false): Promise<number> {
  const columns = Object.keys(row);
  const values = columns.map((column) => sql`${row[column]}`);
  const query = sql<{ id: number }>`insert into ${sql.table(table)} (${sql.join(columns.map((column) => sql.ref(column)))}) values (${sql.join(values)})${
    returningId ? sql` returning id` : sql``
  }`;
  const result = await query.execute(db);
  return Number(result.rows[0]?.id ?? 0);
}

/** A project's quota as project creation wrote it: unlimited, its usage in the first of 8 shards. */
async function quotaRows(db: Kysely<Tables>, projectId: number, used: number): Promise<void> {
  await insert(db, 'quotas', { project_id: projectId, hard_storage: -1, created_at: T0, updated_at: T0 });
  for (let shard = 0; shard < 8; shard++) await insert(db, 'quota_shards', { project_id: projectId, shard, used: shard === 0 ? used : 0, allowance: -1 });
}

const SEED: SeedStep[] = [
  {
    after: '0001_init',
    async run(db, ids) {
      ids.admin = await insert(
        db,
        'users',
        {
          username: 'admin',
          email: null,
          realname: 'system admin',
          password_hash: await hashPassword(ADMIN_PASSWORD),
          sysadmin_flag: 1,
          created_at: T0,
          updated_at: T0,
        },
        true,
      );
      ids.alice = await insert(
        db,
        'users',
        {
          username: 'alice',
          email: 'alice@example.com',
          realname: 'Alice',
          password_hash: await hashPassword(ALICE_PASSWORD),
          sysadmin_flag: 0,
          created_at: T0,
          updated_at: T0,
        },
        true,
      );
      ids.library = await insert(db, 'projects', { name: 'library', owner_id: ids.admin, public: 1, created_at: T0, updated_at: T0 }, true);
      ids.shop = await insert(db, 'projects', { name: 'shop', owner_id: ids.alice, public: 0, created_at: T0, updated_at: T0 }, true);
      ids.repository = await insert(db, 'repositories', { project_id: ids.shop, name: 'shop/app', pull_count: 3, created_at: T0, updated_at: T0 }, true);
      for (const blob of [config, layer]) {
        await insert(db, 'blobs', { digest: blob.digest, size: blob.bytes.length, created_at: T0 });
        await insert(db, 'repository_blobs', { repository_id: ids.repository, digest: blob.digest, created_at: T0 });
      }
      ids.artifact = await insert(
        db,
        'artifacts',
        {
          repository_id: ids.repository,
          digest: manifest.digest,
          media_type: 'application/vnd.oci.image.manifest.v1+json',
          artifact_type: null,
          size: ARTIFACT_SIZE,
          manifest_size: manifest.bytes.length,
          subject_digest: null,
          annotations: null,
          push_time: T0,
          pull_time: T0 + 1000,
        },
        true,
      );
      for (const blob of [config, layer]) await insert(db, 'artifact_references', { artifact_id: ids.artifact, child_digest: blob.digest, child_kind: 'blob' });
      for (const tag of ['v1', 'latest'])
        await insert(db, 'tags', { repository_id: ids.repository, artifact_id: ids.artifact, name: tag, push_time: T0, pull_time: null });
      await insert(db, 'events', {
        type: 'PUSH_ARTIFACT',
        project_id: ids.shop,
        repository: 'shop/app',
        digest: manifest.digest,
        tag: 'v1',
        operator: 'alice',
        created_at: T0,
      });
    },
  },
  {
    after: '0002_access',
    async run(db, ids) {
      for (const [projectId, isPublic] of [
        [ids.library, 'true'],
        [ids.shop, 'false'],
      ] as const) {
        await insert(db, 'project_metadata', { project_id: projectId, name: 'public', value: isPublic });
      }
      await insert(db, 'project_members', {
        project_id: ids.library,
        entity_type: 'u',
        entity_id: ids.admin,
        role: 1,
        repository_patterns: null,
        created_at: T0,
        updated_at: T0,
      });
      await insert(db, 'project_members', {
        project_id: ids.shop,
        entity_type: 'u',
        entity_id: ids.alice,
        role: 1,
        repository_patterns: null,
        created_at: T0,
        updated_at: T0,
      });
      const robot = await insert(
        db,
        'robots',
        {
          name: 'robot$puller',
          description: 'pulls shop images',
          level: 'system',
          project_id: null,
          secret_hash: await hashPassword(ROBOT_SECRET),
          duration: -1,
          expires_at: -1,
          disabled: 0,
          creator: 'admin',
          created_at: T0,
          updated_at: T0,
        },
        true,
      );
      await insert(db, 'robot_permissions', {
        robot_id: robot,
        kind: 'project',
        namespace: 'shop',
        access: JSON.stringify([{ resource: 'repository', action: 'pull' }]),
        repository_patterns: null,
      });
      await insert(db, 'audit_logs', {
        project_id: ids.shop,
        operation: 'create',
        resource_type: 'artifact',
        resource: `shop/app:v1`,
        username: 'alice',
        client_ip: '10.0.0.7',
        success: 1,
        op_time: T0,
      });
    },
  },
  {
    after: '0003_artifacts',
    async run(db, ids) {
      await sql`update repositories set description = ${'the shop front'} where id = ${ids.repository}`.execute(db);
      const label = await insert(
        db,
        'labels',
        { name: 'stable', description: 'released', color: '#00AA00', scope: 'g', project_id: 0, created_at: T0, updated_at: T0 },
        true,
      );
      await insert(db, 'artifact_labels', { artifact_id: ids.artifact, label_id: label, created_at: T0 });
    },
  },
  {
    after: '0005_quotas',
    async run(db, ids) {
      await quotaRows(db, ids.library, 0);
      await quotaRows(db, ids.shop, ARTIFACT_SIZE);
      for (const blob of [manifest, config, layer])
        await insert(db, 'project_blobs', { project_id: ids.shop, digest: blob.digest, size: blob.bytes.length, refs: 1 });
    },
  },
  {
    after: '0007_jobs',
    async run(db) {
      // The outbox dispatcher took the push event.
      await sql`update events set dispatched = 1`.execute(db);
    },
  },
  {
    after: '0010_webhooks',
    async run(db, ids) {
      await insert(db, 'webhook_policies', {
        project_id: ids.shop,
        name: 'deploy hook',
        description: '',
        targets: JSON.stringify([{ type: 'http', address: 'https://hooks.example/deploy', auth_header: '', skip_cert_verify: false, payload_format: 'Default' }]),
        event_types: JSON.stringify(['PUSH_ARTIFACT']),
        creator: 'alice',
        enabled: 1,
        created_at: T0,
        updated_at: T0,
      });
    },
  },
  {
    after: '0011_artifact_facts',
    async run(db, ids) {
      // Kept at push from this migration on (older rows get them from the startup backfill).
      const extra = JSON.stringify({ architecture: 'amd64', config: { Env: ['PATH=/bin'] }, os: 'linux' });
      await sql`update artifacts set type = 'IMAGE', config_media_type = 'application/vnd.oci.image.config.v1+json', extra_attrs = ${extra}
        where id = ${ids.artifact}`.execute(db);
    },
  },
  {
    after: '0017_cve_allowlists',
    async run(db, ids) {
      await insert(db, 'cve_allowlists', { project_id: ids.shop, expires_at: null, items: JSON.stringify(['CVE-2024-0001']), created_at: T0, updated_at: T0 });
    },
  },
  {
    after: '0022_registries',
    async run(db, ids) {
      ids.registry = await insert(
        db,
        'registries',
        { name: 'upstream', description: 'the mirror we copy from', url: 'https://registry.example', type: 'docker-registry', created_at: T0, updated_at: T0 },
        true,
      );
    },
  },
  {
    after: '0024_proxy_cache',
    async run(db, ids) {
      const mirror = await insert(
        db,
        'projects',
        { name: 'mirror', owner_id: ids.admin, public: 1, registry_id: ids.registry, created_at: T0, updated_at: T0 },
        true,
      );
      await insert(db, 'project_metadata', { project_id: mirror, name: 'public', value: 'true' });
      await insert(db, 'project_members', {
        project_id: mirror,
        entity_type: 'u',
        entity_id: ids.admin,
        role: 1,
        repository_patterns: null,
        created_at: T0,
        updated_at: T0,
      });
      await quotaRows(db, mirror, 0);
    },
  },
  {
    after: '0025_replication_policies',
    async run(db, ids) {
      await insert(db, 'replication_policies', {
        name: 'nightly',
        description: 'copies the upstream library',
        src_registry_id: ids.registry,
        dest_registry_id: null,
        dest_namespace: 'copies',
        trigger_type: 'manual',
        filters: JSON.stringify([{ type: 'name', value: 'library/**' }]),
        created_by: 'admin',
        created_at: T0,
        updated_at: T0,
      });
    },
  },
];

for (const step of SEED) assert.ok(NAMES.includes(step.after), `seed step after unknown migration ${step.after}`);

/** Writes what Berth wrote with the migrations up to `level` (an index into the migration names). */
async function seed(place: Place, database: Database, level: number): Promise<Ids> {
  const ids: Ids = { admin: 0, alice: 0, library: 0, shop: 0, repository: 0, artifact: 0, registry: 0 };
  for (const step of SEED) if (NAMES.indexOf(step.after) <= level) await step.run(database.db, ids);
  // Blobs and manifests are files named by digest: the storage layout is no migration's business.
  const storage = await createStorage(serverConfig(place));
  for (const blob of [manifest, config, layer]) {
    const hex = blob.digest.slice('sha256:'.length);
    await storage.putContent(`blobs/sha256/${hex.slice(0, 2)}/${hex}/data`, blob.bytes);
  }
  return ids;
}

/** A fresh database with the migrations up to `level` applied, and that Berth's data in it. */
async function olderBerth(place: Place, level: number): Promise<void> {
  const database = await connectDatabase({ url: place.url, poolSize: 2 });
  try {
    const outcome = await migrateToLatest(database, NAMES.slice(0, level + 1));
    assert.equal(outcome.applied.length, level + 1);
    await seed(place, database, level);
  } finally {
    await database.close();
  }
}

const has = (level: number, migration: string) => NAMES.indexOf(migration) <= level;

interface ArtifactJson {
  digest: string;
  type: string;
  size: number;
  media_type: string;
  extra_attrs: Record<string, unknown>;
  tags: Array<{ name: string }> | null;
  labels: Array<{ name: string }> | null;
}

/** Everything the older Berth wrote, read back through today's API and /v2/. */
async function readsBack(server: RunningServer, level: number): Promise<void> {
  const url = server.url;
  const projects = await expectJson<Array<{ name: string }>>(await api(url, 'GET', '/projects?page_size=100', { authorization: ADMIN }), 200);
  assert.deepEqual(projects.map((p) => p.name).sort(), has(level, '0024_proxy_cache') ? ['library', 'mirror', 'shop'] : ['library', 'shop']);

  const shop = await expectJson<{ name: string; owner_name: string; metadata: Record<string, string>; cve_allowlist: { items: Array<{ cve_id: string }> } }>(
    await api(url, 'GET', '/projects/shop', { authorization: ADMIN }),
    200,
  );
  assert.equal(shop.owner_name, 'alice');
  assert.equal(shop.metadata.public, 'false');
  if (has(level, '0017_cve_allowlists')) assert.deepEqual(shop.cve_allowlist.items, [{ cve_id: 'CVE-2024-0001' }]);

  const repositories = await expectJson<Array<{ name: string; artifact_count: number; pull_count: number; description?: string }>>(
    await api(url, 'GET', '/projects/shop/repositories', { authorization: ADMIN }),
    200,
  );
  assert.equal(repositories.length, 1);
  assert.equal(repositories[0]!.name, 'shop/app');
  assert.equal(repositories[0]!.artifact_count, 1);
  assert.equal(repositories[0]!.pull_count, 3);
  if (has(level, '0003_artifacts')) assert.equal(repositories[0]!.description, 'the shop front');

  const artifacts = await expectJson<ArtifactJson[]>(
    await api(url, 'GET', '/projects/shop/repositories/app/artifacts?with_tag=true&with_label=true', { authorization: ADMIN }),
    200,
  );
  assert.equal(artifacts.length, 1);
  const artifact = artifacts[0]!;
  assert.equal(artifact.digest, manifest.digest);
  assert.equal(artifact.size, ARTIFACT_SIZE);
  // Facts kept at push, or read from storage by the startup backfill for rows from before 0011.
  assert.equal(artifact.type, 'IMAGE');
  assert.equal(artifact.media_type, 'application/vnd.oci.image.config.v1+json');
  assert.equal(artifact.extra_attrs.architecture, 'amd64');
  assert.equal(artifact.extra_attrs.os, 'linux');
  assert.deepEqual((artifact.tags ?? []).map((t) => t.name).sort(), ['latest', 'v1']);
  if (has(level, '0003_artifacts'))
    assert.deepEqual(
      (artifact.labels ?? []).map((l) => l.name),
      ['stable'],
    );

  // The bytes through /v2/: as the admin; where memberships and robots exist (0002), as alice, a
  // member of the private project, and as the robot.
  const member = has(level, '0002_access');
  const readers = [ADMIN, ...(member ? [basic('alice', ALICE_PASSWORD), basic('robot$puller', ROBOT_SECRET)] : [])];
  for (const reader of readers) {
    const client = new TestClient(url, reader);
    const scope = 'repository:shop/app:pull';
    const got = await client.request('GET', '/v2/shop/app/manifests/v1', { scope, headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(got.status, 200, await got.clone().text());
    assert.equal(got.headers.get('docker-content-digest'), manifest.digest);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), manifest.bytes);
    const blob = await client.request('GET', `/v2/shop/app/blobs/${layer.digest}`, { scope });
    assert.equal(blob.status, 200);
    assert.deepEqual(Buffer.from(await blob.arrayBuffer()), layer.bytes);
  }

  // Quota usage: charged at push, or counted by 0005 from what was there.
  const summary = await expectJson<{ quota?: { used: { storage: number } } }>(await api(url, 'GET', '/projects/shop/summary', { authorization: ADMIN }), 200);
  assert.equal(summary.quota?.used.storage, ARTIFACT_SIZE);

  if (has(level, '0002_access')) {
    const robots = await expectJson<Array<{ name: string }>>(await api(url, 'GET', '/robots', { authorization: ADMIN }), 200);
    assert.deepEqual(
      robots.map((r) => r.name),
      ['robot$puller'],
    );
    const logs = await expectJson<Array<{ operation: string; resource: string; username: string }>>(
      await api(url, 'GET', '/projects/shop/logs', { authorization: ADMIN }),
      200,
    );
    assert.ok(
      logs.some((log) => log.operation === 'create' && log.resource === 'shop/app:v1' && log.username === 'alice'),
      JSON.stringify(logs),
    );
  }
  if (has(level, '0010_webhooks')) {
    const hooks = await expectJson<Array<{ name: string; targets: Array<{ address: string }> }>>(
      await api(url, 'GET', '/projects/shop/webhook/policies', { authorization: ADMIN }),
      200,
    );
    assert.deepEqual(
      hooks.map((h) => [h.name, h.targets[0]?.address]),
      [['deploy hook', 'https://hooks.example/deploy']],
    );
  }
  if (has(level, '0022_registries')) {
    const registries = await expectJson<Array<{ name: string; url: string }>>(await api(url, 'GET', '/registries', { authorization: ADMIN }), 200);
    assert.deepEqual(
      registries.map((r) => [r.name, r.url]),
      [['upstream', 'https://registry.example']],
    );
  }
  if (has(level, '0024_proxy_cache')) {
    const mirror = await expectJson<{ registry_id: number | null }>(await api(url, 'GET', '/projects/mirror', { authorization: ADMIN }), 200);
    assert.ok(mirror.registry_id !== null && mirror.registry_id > 0);
  }
  if (has(level, '0025_replication_policies')) {
    const policies = await expectJson<Array<{ name: string; src_registry: { name: string } | null; dest_namespace: string }>>(
      await api(url, 'GET', '/replication/policies', { authorization: ADMIN }),
      200,
    );
    assert.deepEqual(
      policies.map((p) => [p.name, p.src_registry?.name, p.dest_namespace]),
      [['nightly', 'upstream', 'copies']],
    );
  }

  // And the upgraded data takes writes: a new tag on the old artifact.
  const pusher = new TestClient(url, member ? basic('alice', ALICE_PASSWORD) : ADMIN);
  const put = await pusher.request('PUT', '/v2/shop/app/manifests/v2', {
    body: new Uint8Array(manifest.bytes),
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  assert.equal(put.status, 201, await put.clone().text());
  const tags = await expectJson<Array<{ name: string }>>(
    await api(url, 'GET', `/projects/shop/repositories/app/artifacts/${manifest.digest}/tags`, { authorization: ADMIN }),
    200,
  );
  assert.deepEqual(tags.map((t) => t.name).sort(), ['latest', 'v1', 'v2']);
}

async function appliedMigrations(place: Place): Promise<string[]> {
  const database = await connectDatabase({ url: place.url, poolSize: 1 });
  try {
    const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(database.db);
    return rows.rows.map((row) => row.name);
  } finally {
    await database.close();
  }
}

for (const dialect of DIALECTS) {
  describe(`upgrades (${dialect})`, { timeout: 600_000 }, () => {
    it(`the previous release's data (schema at ${PREVIOUS_RELEASE_MIGRATION}) reads back through the API and /v2/ after berth serve migrates it`, async () => {
      assert.ok(PREVIOUS >= 0 && PREVIOUS < LATEST, `${PREVIOUS_RELEASE_MIGRATION} is a migration before the latest`);
      await inFreshPlace(dialect, async (place) => {
        await olderBerth(place, PREVIOUS);
        await serving(place, async (server, announced) => {
          assert.deepEqual(server.migrations.applied, NAMES.slice(PREVIOUS + 1));
          assert.ok(!announced.some((line) => line.startsWith('Warning')), announced.join('\n'));
          await readsBack(server, PREVIOUS);
        });
        assert.deepEqual(await appliedMigrations(place), NAMES);
      });
    });

    it('an instance of the previous release keeps writing while a newer one has migrated: its rows read back through the API', async () => {
      await inFreshPlace(dialect, async (place) => {
        // The newer instance migrated first; the older one, still running, writes with the old schema's SQL.
        const database = await connectDatabase({ url: place.url, poolSize: 2 });
        try {
          await migrateToLatest(database);
          await seed(place, database, PREVIOUS);
        } finally {
          await database.close();
        }
        await serving(place, (server) => readsBack(server, PREVIOUS));
      });
    });

    it('every migration after the previous release only adds: old tables and columns stay as they were, new columns in old tables are nullable or have a default, no new unique index on old tables', async () => {
      const place = await freshPlace(dialect);
      const database = await connectDatabase({ url: place.url, poolSize: 2 });
      try {
        await migrateToLatest(database, NAMES.slice(0, PREVIOUS + 1));
        let before = await schemaOf(database);
        let uniqueBefore = await uniqueIndexesOf(database);
        for (const name of NAMES.slice(PREVIOUS + 1)) {
          await migrateToLatest(database, NAMES.slice(0, NAMES.indexOf(name) + 1));
          const after = await schemaOf(database);
          const uniqueAfter = await uniqueIndexesOf(database);
          for (const [table, columns] of before) {
            const now = after.get(table);
            assert.ok(now, `${name} drops or renames table ${table}, which the previous release reads`);
            for (const [column, was] of columns) {
              const kept = now.get(column);
              assert.ok(kept, `${name} drops or renames ${table}.${column}, which the previous release reads`);
              assert.equal(kept.type, was.type, `${name} changes the type of ${table}.${column}`);
              assert.ok(
                kept.nullable || kept.hasDefault || !was.nullable,
                `${name} makes ${table}.${column} NOT NULL without a default: the previous release's inserts would fail`,
              );
            }
            for (const [column, info] of now) {
              if (columns.has(column)) continue;
              assert.ok(info.nullable || info.hasDefault, `${name} adds ${table}.${column} NOT NULL without a default: the previous release's inserts would fail`);
            }
            for (const key of uniqueAfter.get(table) ?? []) {
              assert.ok(uniqueBefore.get(table)?.has(key), `${name} adds a unique index on ${table} (${key}): the previous release's writes could break it`);
            }
          }
          before = after;
          uniqueBefore = uniqueAfter;
        }
      } finally {
        await database.close();
        await place.cleanup();
      }
    });

    it('an older Berth on a newer schema serves it without migrating and warns; its berth migrate changes nothing and says why', async () => {
      await inFreshPlace(dialect, async (place) => {
        await olderBerth(place, LATEST);
        // A newer Berth's migration: a table of its own and a nullable column.
        const database = await connectDatabase({ url: place.url, poolSize: 1 });
        try {
          await sql`create table future_things (id integer primary key, note text)`.execute(database.db);
          await sql`alter table artifacts add column future_note text`.execute(database.db);
          await sql`insert into kysely_migration (name, timestamp) values ('9999_future_things', ${new Date().toISOString()})`.execute(database.db);
        } finally {
          await database.close();
        }
        await serving(place, async (server, announced) => {
          assert.deepEqual(server.migrations.newer, ['9999_future_things']);
          assert.ok(
            announced.some((line) => line.startsWith('Warning: the database schema is newer than this Berth') && line.includes('9999_future_things')),
            announced.join('\n'),
          );
          await readsBack(server, LATEST);
        });
        const env: Record<string, string> = dialect === 'postgres' ? { BERTH_DATABASE_URL: place.url } : {};
        const run = await runBerth(['migrate', '--data-dir', place.dataDir], env);
        assert.equal(run.code, 0, run.stderr);
        assert.match(
          run.stdout,
          /the database schema is newer than this Berth: it has migrations this version does not know \(9999_future_things\); nothing was changed/,
        );
        assert.deepEqual(await appliedMigrations(place), [...NAMES, '9999_future_things']);
      });
    });

    it("berth migrate on the previous release's schema names the migrations it applies; run again, it has nothing to do", async () => {
      await inFreshPlace(dialect, async (place) => {
        await olderBerth(place, PREVIOUS);
        const env: Record<string, string> = dialect === 'postgres' ? { BERTH_DATABASE_URL: place.url } : {};
        const first = await runBerth(['migrate', '--data-dir', place.dataDir], env);
        assert.equal(first.code, 0, first.stderr);
        const later = NAMES.slice(PREVIOUS + 1);
        assert.equal(first.stdout.trim(), `applied ${later.length} migrations (${later.join(', ')}); database is up to date (${dialect})`);
        const again = await runBerth(['migrate', '--data-dir', place.dataDir], env);
        assert.equal(again.code, 0, again.stderr);
        assert.equal(again.stdout.trim(), `database is up to date (${dialect})`);
        assert.deepEqual(await appliedMigrations(place), NAMES);
      });
    });

    it('rolled back to an older version, which writes with its own schema, and upgraded again: nothing to migrate, everything reads back', async () => {
      await inFreshPlace(dialect, async (place) => {
        const database = await connectDatabase({ url: place.url, poolSize: 2 });
        try {
          assert.equal((await migrateToLatest(database)).applied.length, NAMES.length);
          // The older version (this build's tolerance, the previous release's migrations) starts, then writes.
          assert.deepEqual(await migrateToLatest(database, NAMES.slice(0, PREVIOUS + 1)), { applied: [], newer: NAMES.slice(PREVIOUS + 1) });
          await seed(place, database, PREVIOUS);
        } finally {
          await database.close();
        }
        await serving(place, async (server) => {
          assert.deepEqual(server.migrations, { applied: [], newer: [] });
          await readsBack(server, PREVIOUS);
        });
      });
    });

    it("a schema that has a newer Berth's migrations but lacks one this Berth needs is refused, naming both", async () => {
      await inFreshPlace(dialect, async (place) => {
        const database = await connectDatabase({ url: place.url, poolSize: 1 });
        try {
          await migrateToLatest(database, NAMES.slice(0, LATEST));
          await sql`insert into kysely_migration (name, timestamp) values ('9999_future_things', ${new Date().toISOString()})`.execute(database.db);
          await assert.rejects(
            migrateToLatest(database),
            new RegExp(`has migrations this Berth does not know \\(9999_future_things\\) and lacks ones it needs \\(${NAMES[LATEST]}\\)`),
          );
        } finally {
          await database.close();
        }
      });
    });

    it('a migration merged after a higher-numbered one a database already has is applied, not refused', async () => {
      await inFreshPlace(dialect, async (place) => {
        const database = await connectDatabase({ url: place.url, poolSize: 1 });
        try {
          const skipped = NAMES[LATEST - 1]!;
          await migrateToLatest(
            database,
            NAMES.filter((name) => name !== skipped),
          );
          assert.deepEqual(await migrateToLatest(database), { applied: [skipped], newer: [] });
        } finally {
          await database.close();
        }
      });
    });
  });
}

describe('upgrades from every step of the migration history (sqlite)', { timeout: 900_000 }, () => {
  // Each step's data, written as Berth wrote it then, migrated to the latest and read back.
  // LATEST itself checks the seed against today's reading of it.
  for (let level = 0; level <= LATEST; level++) {
    it(`from ${NAMES[level]}`, async () => {
      await inFreshPlace('sqlite', async (place) => {
        await olderBerth(place, level);
        await serving(place, async (server) => {
          assert.deepEqual(server.migrations.applied, NAMES.slice(level + 1));
          await readsBack(server, level);
        });
      });
    });
  }
});

if (PG_URL) {
  describe('upgrades from every step of the migration history (postgres)', { timeout: 900_000 }, () => {
    for (let level = 0; level < LATEST; level++) {
      it(`from ${NAMES[level]}`, async () => {
        await inFreshPlace('postgres', async (place) => {
          await olderBerth(place, level);
          await serving(place, (server) => readsBack(server, level));
        });
      });
    }
  });
}

it('a build from before newer schemas were tolerated (the previous release) refuses a newer schema rather than misreading it', async () => {
  // What Kysely's migrator did on its own, before migrateToLatest looked first: a rollback to
  // such a build needs the backup made before the upgrade.
  const place = await freshPlace('sqlite');
  const database = await connectDatabase({ url: place.url });
  try {
    await migrateToLatest(database);
    const older: Record<string, Migration> = {};
    for (const name of NAMES.slice(0, PREVIOUS + 1)) older[name] = { up: async () => undefined };
    const migrator = new Migrator({ db: database.db, provider: { getMigrations: async () => older } });
    const { error } = await migrator.migrateToLatest();
    assert.match(String(error), new RegExp(`corrupted migrations: previously executed migration ${NAMES[PREVIOUS + 1]} is missing`));
  } finally {
    await database.close();
    await place.cleanup();
  }
});

interface ColumnInfo {
  type: string;
  nullable: boolean;
  hasDefault: boolean;
}

/** Each table's columns, as the catalog describes them (Kysely's own bookkeeping left out). */
async function schemaOf(database: Database): Promise<Map<string, Map<string, ColumnInfo>>> {
  const tables = await database.db.introspection.getTables();
  return new Map(
    tables.map((table) => [
      table.name,
      new Map(table.columns.map((column) => [column.name, { type: column.dataType, nullable: column.isNullable, hasDefault: column.hasDefaultValue }])),
    ]),
  );
}

/** Each table's unique indexes (primary keys and unique constraints included), by their columns. */
async function uniqueIndexesOf(database: Database): Promise<Map<string, Set<string>>> {
  const rows =
    database.dialect === 'postgres'
      ? await sql<{ table_name: string; columns: string }>`
          select t.relname as table_name,
                 array_to_string(array(select a.attname from unnest(ix.indkey) with ordinality k(attnum, n)
                   join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum order by k.n), ',') as columns
            from pg_index ix
            join pg_class t on t.oid = ix.indrelid
            join pg_namespace ns on ns.oid = t.relnamespace
           where ix.indisunique and ns.nspname = current_schema()`.execute(database.db)
      : await sql<{ table_name: string; columns: string }>`
          select m.name as table_name, (select group_concat(name, ',') from (select ii.name from pragma_index_info(il.name) ii order by ii.seqno)) as columns
            from sqlite_master m, pragma_index_list(m.name) il
           where m.type = 'table' and il."unique" = 1`.execute(database.db);
  const out = new Map<string, Set<string>>();
  for (const row of rows.rows) {
    const set = out.get(row.table_name) ?? new Set<string>();
    set.add(row.columns);
    out.set(row.table_name, set);
  }
  return out;
}
