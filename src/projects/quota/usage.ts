import { sql } from 'kysely';
import type { Executor } from '../../db/index.js';

/** Content an artifact holds in its project: its manifest and every blob it references. */
export interface HeldContent {
  digest: string;
  size: number;
}

/** Refused because the project's storage limit would be passed; nothing was charged. */
export class QuotaExceededError extends Error {
  constructor(
    readonly projectId: number,
    readonly adding: number,
    readonly used: number,
    readonly hard: number,
  ) {
    super(
      `adding ${formatBytes(adding)} of storage would bring the project's usage of ${formatBytes(used)} over its quota of ${formatBytes(hard)}`,
    );
  }
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** IN lists stay well under both engines' bound-parameter limits. */
const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/**
 * A new artifact of the project holds this content: each digest's holder count goes up, and
 * digests new to the project are charged, all in the caller's transaction. Rows are touched
 * in digest order so concurrent pushes sharing layers cannot deadlock, and the quota row is
 * updated last, so its row lock is held only for the end of the transaction: pushes into one
 * project do not queue behind each other for longer than that.
 */
export async function holdContent(trx: Executor, projectId: number, content: readonly HeldContent[], now: number): Promise<QuotaCharge | undefined> {
  const unique = [...new Map(content.map((c) => [c.digest, c])).values()].sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  let added = 0;
  for (const batch of chunks(unique)) {
    const rows = await trx
      .insertInto('project_blobs')
      .values(batch.map((c) => ({ project_id: projectId, digest: c.digest, size: c.size, refs: 1 })))
      .onConflict((oc) => oc.columns(['project_id', 'digest']).doUpdateSet({ refs: sql<number>`project_blobs.refs + 1` }))
      .returning(['size', 'refs'])
      .execute();
    for (const row of rows) if (row.refs === 1) added += row.size;
  }
  return charge(trx, projectId, added, now);
}

/** What a charge did to the project's usage. */
export interface QuotaCharge {
  added: number;
  /** Usage after the charge. */
  used: number;
  /** -1 is unlimited. */
  hard: number;
}

/** Share of the limit past which a project is warned (Harbor's QUOTA_WARNING). */
export const QUOTA_WARNING_RATIO = 0.85;

/** Did this charge carry usage over the warning threshold? Once per crossing: usage below it before, above after. */
export function crossedQuotaWarning(charge: QuotaCharge | undefined): boolean {
  if (!charge || charge.hard <= 0 || charge.added <= 0) return false;
  const threshold = charge.hard * QUOTA_WARNING_RATIO;
  return charge.used - charge.added <= threshold && charge.used > threshold;
}

/**
 * Artifacts of the project let go of their content (the digests listed as often as they were
 * held); digests no artifact holds any more are removed and their bytes released.
 */
export async function releaseContent(trx: Executor, projectId: number, digests: readonly string[], now: number): Promise<void> {
  if (digests.length === 0) return;
  const counts = new Map<string, number>();
  for (const digest of digests) counts.set(digest, (counts.get(digest) ?? 0) + 1);
  const byCount = new Map<number, string[]>();
  for (const [digest, count] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const list = byCount.get(count) ?? [];
    list.push(digest);
    byCount.set(count, list);
  }
  for (const [count, list] of byCount) {
    for (const batch of chunks(list)) {
      await trx
        .updateTable('project_blobs')
        .set({ refs: sql<number>`refs - ${count}` })
        .where('project_id', '=', projectId)
        .where('digest', 'in', batch)
        .execute();
    }
  }
  let released = 0;
  for (const batch of chunks([...counts.keys()].sort())) {
    const gone = await trx
      .deleteFrom('project_blobs')
      .where('project_id', '=', projectId)
      .where('digest', 'in', batch)
      .where('refs', '<=', 0)
      .returning('size')
      .execute();
    for (const row of gone) released += row.size;
  }
  if (released > 0) {
    await trx
      .updateTable('quotas')
      .set({ used_storage: sql<number>`used_storage - ${released}`, updated_at: now })
      .where('project_id', '=', projectId)
      .execute();
  }
}

async function charge(trx: Executor, projectId: number, bytes: number, now: number): Promise<QuotaCharge | undefined> {
  if (bytes === 0) return undefined;
  const charged = await trx
    .updateTable('quotas')
    .set({ used_storage: sql<number>`used_storage + ${bytes}`, updated_at: now })
    .where('project_id', '=', projectId)
    .where((eb) => eb.or([eb('hard_storage', '<', 0), eb(sql<number>`used_storage + ${bytes}`, '<=', eb.ref('hard_storage'))]))
    .returning(['used_storage', 'hard_storage'])
    .executeTakeFirst();
  if (charged) return { added: bytes, used: Number(charged.used_storage), hard: Number(charged.hard_storage) };
  const quota = await trx.selectFrom('quotas').select(['hard_storage', 'used_storage']).where('project_id', '=', projectId).executeTakeFirst();
  if (!quota) {
    // A project made before quotas existed in this database: unlimited, as migrated ones are.
    await trx.insertInto('quotas').values({ project_id: projectId, hard_storage: -1, used_storage: bytes, created_at: now, updated_at: now }).execute();
    return { added: bytes, used: bytes, hard: -1 };
  }
  throw new QuotaExceededError(projectId, bytes, quota.used_storage, quota.hard_storage);
}

/** Would adding these bytes pass the limit? A cheap early answer; the charge itself decides. */
export async function wouldExceed(db: Executor, projectId: number, digest: string, size: number): Promise<QuotaExceededError | undefined> {
  const held = await db.selectFrom('project_blobs').select('refs').where('project_id', '=', projectId).where('digest', '=', digest).executeTakeFirst();
  if (held) return undefined;
  const quota = await db.selectFrom('quotas').select(['hard_storage', 'used_storage']).where('project_id', '=', projectId).executeTakeFirst();
  if (!quota || quota.hard_storage < 0 || quota.used_storage + size <= quota.hard_storage) return undefined;
  return new QuotaExceededError(projectId, size, quota.used_storage, quota.hard_storage);
}

/** Usage counted from the artifacts themselves, for checks and repairs. */
export async function countedUsage(db: Executor, projectId: number): Promise<number> {
  const row = await sql<{ total: number | string | null }>`
    select sum(size) as total from (
      select a.digest as digest, max(a.manifest_size) as size
        from artifacts a join repositories r on r.id = a.repository_id
        where r.project_id = ${projectId}
        group by a.digest
      union
      select ar.child_digest, max(b.size)
        from artifact_references ar
        join artifacts a on a.id = ar.artifact_id
        join repositories r on r.id = a.repository_id
        join blobs b on b.digest = ar.child_digest
        where r.project_id = ${projectId} and ar.child_kind = 'blob'
        group by ar.child_digest
    ) held
  `.execute(db);
  return Number(row.rows[0]?.total ?? 0);
}
