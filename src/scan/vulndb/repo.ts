import type { Insertable } from 'kysely';
import { inBatches, type Database, type Executor, type VulnAffectedTable, type VulnRecordsTable } from '../../platform/db/index.js';

/** A record ready to store, with the rows of the packages it names. */
export interface StoredRecord {
  record: Insertable<VulnRecordsTable>;
  affected: Omit<Insertable<VulnAffectedTable>, 'id'>[];
}

export interface BatchOutcome {
  imported: number;
  updated: number;
  unchanged: number;
}

/** Rows per multi-row insert: well under both engines' bound-variable limits (15 columns × 40). */
const RECORD_ROWS = 40;
const AFFECTED_ROWS = 100;

/**
 * Stores a batch in one transaction: a new id is inserted, a known one replaced (with all its
 * packages) only when this copy's `modified` is later, an older or equal copy left alone. A
 * batch either lands whole or not at all, so an interrupted import never leaves half a record,
 * and running it again skips what was stored already.
 */
export async function writeBatch(database: Database, batch: readonly StoredRecord[]): Promise<BatchOutcome> {
  // One id twice in a batch (a file and a zip of the same data): the later modification wins.
  const newest = new Map<string, StoredRecord>();
  for (const item of batch) {
    const seen = newest.get(item.record.id);
    if (!seen || item.record.modified > seen.record.modified) newest.set(item.record.id, item);
  }
  const outcome: BatchOutcome = { imported: 0, updated: 0, unchanged: batch.length - newest.size };
  await database.db.transaction().execute(async (trx) => {
    const known = new Map<string, number>();
    for (const ids of inBatches(newest.keys())) {
      const rows = await trx.selectFrom('vuln_records').select(['id', 'modified']).where('id', 'in', ids).execute();
      for (const row of rows) known.set(row.id, Number(row.modified));
    }
    const writes: StoredRecord[] = [];
    const replaced: string[] = [];
    for (const item of newest.values()) {
      const modified = known.get(item.record.id);
      if (modified === undefined) {
        outcome.imported += 1;
        writes.push(item);
      } else if (item.record.modified > modified) {
        outcome.updated += 1;
        replaced.push(item.record.id);
        writes.push(item);
      } else outcome.unchanged += 1;
    }
    for (const ids of inBatches(replaced)) {
      await trx.deleteFrom('vuln_affected').where('record_id', 'in', ids).execute();
      await trx.deleteFrom('vuln_records').where('id', 'in', ids).execute();
    }
    await insertChunks(trx, writes);
  });
  return outcome;
}

async function insertChunks(trx: Executor, writes: readonly StoredRecord[]): Promise<void> {
  for (let i = 0; i < writes.length; i += RECORD_ROWS) {
    await trx
      .insertInto('vuln_records')
      .values(writes.slice(i, i + RECORD_ROWS).map((w) => w.record))
      .execute();
  }
  const affected = writes.flatMap((w) => w.affected);
  for (let i = 0; i < affected.length; i += AFFECTED_ROWS) {
    await trx
      .insertInto('vuln_affected')
      .values(affected.slice(i, i + AFFECTED_ROWS))
      .execute();
  }
}

/** One package row of a record that is not withdrawn, with the record's reporting fields. */
export interface AdvisoryRow {
  record_id: string;
  ecosystem: string;
  package: string;
  affected: string;
  ecosystem_specific: string | null;
  modified: number;
  aliases: string;
  summary: string;
  details: string;
  references: string;
  cwe_ids: string;
  preferred_cvss: string;
  severity_label: string;
}

/**
 * The packages rows naming any of `names` in `ecosystem` or one of its sub-scopes
 * (`Red Hat:enterprise_linux:9` also finds `Red Hat:enterprise_linux:9::appstream`): the bytewise
 * range between `ecosystem:` and `ecosystem;` (`;` follows `:`), which the index serves.
 */
export async function advisoryRows(db: Executor, ecosystem: string, names: readonly string[]): Promise<AdvisoryRow[]> {
  if (names.length === 0) return [];
  const rows = await db
    .selectFrom('vuln_affected as a')
    .innerJoin('vuln_records as r', 'r.id', 'a.record_id')
    .select([
      'a.record_id',
      'a.ecosystem',
      'a.package',
      'a.affected',
      'a.ecosystem_specific',
      'r.modified',
      'r.aliases',
      'r.summary',
      'r.details',
      'r.references',
      'r.cwe_ids',
      'r.preferred_cvss',
      'r.severity_label',
    ])
    .where((eb) => eb.or([eb('a.ecosystem', '=', ecosystem), eb.and([eb('a.ecosystem', '>=', `${ecosystem}:`), eb('a.ecosystem', '<', `${ecosystem};`)])]))
    .where('a.package', 'in', [...names])
    .where('r.withdrawn', 'is', null)
    .orderBy('a.id')
    .execute();
  return rows.map((row) => ({ ...row, modified: Number(row.modified) }));
}

export async function readMeta(db: Executor): Promise<Map<string, string>> {
  const rows = await db.selectFrom('vuln_db_meta').select(['key', 'value']).execute();
  return new Map(rows.map((row) => [row.key, row.value]));
}

export async function writeMeta(db: Executor, entries: Record<string, string>): Promise<void> {
  for (const [key, value] of Object.entries(entries)) {
    await db
      .insertInto('vuln_db_meta')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }
}

export interface EcosystemCount {
  ecosystem: string;
  records: number;
}

/** Records (not withdrawn) per ecosystem, and the totals. */
export async function recordCounts(db: Executor): Promise<{ records: number; withdrawn: number; ecosystems: EcosystemCount[] }> {
  const totals = await db
    .selectFrom('vuln_records')
    .select((eb) => [eb.fn.countAll<string | number>().as('all'), eb.fn.count<string | number>('withdrawn').as('withdrawn')])
    .executeTakeFirstOrThrow();
  const ecosystems = await db
    .selectFrom('vuln_affected as a')
    .innerJoin('vuln_records as r', 'r.id', 'a.record_id')
    .where('r.withdrawn', 'is', null)
    .select((eb) => ['a.ecosystem', eb.fn.count<string | number>('a.record_id').distinct().as('records')])
    .groupBy('a.ecosystem')
    .orderBy('a.ecosystem')
    .execute();
  const withdrawn = Number(totals.withdrawn);
  return {
    records: Number(totals.all) - withdrawn,
    withdrawn,
    ecosystems: ecosystems.map((row) => ({ ecosystem: row.ecosystem, records: Number(row.records) })),
  };
}
