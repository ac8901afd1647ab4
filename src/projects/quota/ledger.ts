import { randomInt } from 'node:crypto';
import { sql } from 'kysely';
import type { Executor } from '../../platform/db/index.js';
import { QuotaExceededError } from '../../platform/errors/index.js';

/** What a charge did to the project's usage. */
export interface QuotaCharge {
  added: number;
  /** Usage after the charge; 0 when unlimited, where nobody asks. */
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

/** Bytes the project no longer holds. Always the first shard: a transaction that releases many times locks one counter only. */
export async function releaseStorage(trx: Executor, projectId: number, released: number): Promise<void> {
  if (released <= 0) return;
  await trx
    .updateTable('quota_shards')
    .set({ used: sql<number>`used - ${released}` })
    .where('project_id', '=', projectId)
    .where('shard', '=', 0)
    .execute();
}

/** Usage counters per project: concurrent charges into one project mostly touch different rows. */
export const QUOTA_SHARDS = 8;

/**
 * Each shard may grow to its allowance without looking at the others. The allowances add up
 * to the limit (the headroom shared out, the odd bytes to the first shard), so no interleaving
 * of charges on different shards can pass it.
 */
export function shareAllowances(hard: number, used: readonly number[]): number[] {
  if (hard < 0) return used.map(() => -1);
  const headroom = hard - used.reduce((sum, u) => sum + u, 0);
  if (headroom <= 0) return [...used];
  const share = Math.floor(headroom / used.length);
  return used.map((u, i) => u + share + (i === 0 ? headroom - share * used.length : 0));
}

/**
 * Charges new bytes to the project. The fast path adds them to one shard picked at random,
 * if its allowance has room: that row is the only quota lock the push takes. Otherwise the
 * slow path takes the project's quota row (one slow path at a time), waits for the shards'
 * in-flight charges, decides on the exact total, and shares the headroom out again. Unless
 * `enforce`, the bytes are counted and never refused (quotas turned off: usage stays exact for
 * when they are turned on again).
 */
export async function chargeStorage(trx: Executor, projectId: number, bytes: number, now: number, enforce = true): Promise<QuotaCharge | undefined> {
  if (bytes === 0) return undefined;
  const shard = randomInt(QUOTA_SHARDS);
  const fast = await trx
    .updateTable('quota_shards')
    .set({ used: sql<number>`used + ${bytes}` })
    .where('project_id', '=', projectId)
    .where('shard', '=', shard)
    .where((eb) => eb.or([eb('allowance', '<', 0), eb(sql<number>`used + ${bytes}`, '<=', eb.ref('allowance'))]))
    .returning('allowance')
    .executeTakeFirst();
  if (fast) {
    // Unlimited: no warning to weigh, so no need to add the shards up on every push.
    if (Number(fast.allowance) < 0) return { added: bytes, used: 0, hard: -1 };
    const quota = await trx.selectFrom('quotas').select('hard_storage').where('project_id', '=', projectId).executeTakeFirst();
    return { added: bytes, used: await usedStorageOf(trx, projectId), hard: Number(quota?.hard_storage ?? -1) };
  }
  const hard = await lockQuota(trx, projectId, now);
  const used = await lockShards(trx, projectId);
  const total = used.reduce((sum, u) => sum + u, 0);
  if (enforce && hard >= 0 && total + bytes > hard) throw new QuotaExceededError(projectId, bytes, total, hard);
  used[0] = (used[0] ?? 0) + bytes;
  await writeShards(trx, projectId, used, shareAllowances(hard, used));
  return { added: bytes, used: total + bytes, hard };
}

/** The project's quota row, locked: slow-path charges and limit changes take turns on it. */
async function lockQuota(trx: Executor, projectId: number, now: number): Promise<number> {
  const row = await trx.updateTable('quotas').set({ updated_at: now }).where('project_id', '=', projectId).returning('hard_storage').executeTakeFirst();
  if (row) return Number(row.hard_storage);
  // A project without a quota row (made outside the API): unlimited, as migrated ones are.
  await createQuotaRows(trx, projectId, -1, now);
  return -1;
}

/** Every shard's usage, in shard order, each row locked: charges in flight on them finish first. */
async function lockShards(trx: Executor, projectId: number): Promise<number[]> {
  const rows = await trx
    .updateTable('quota_shards')
    .set({ used: sql<number>`used` })
    .where('project_id', '=', projectId)
    .returning(['shard', 'used'])
    .execute();
  const used = new Array<number>(QUOTA_SHARDS).fill(0);
  for (const row of rows) used[row.shard] = Number(row.used);
  if (rows.length < QUOTA_SHARDS) {
    const present = new Set(rows.map((r) => r.shard));
    const missing = used.map((_, shard) => shard).filter((shard) => !present.has(shard));
    await trx
      .insertInto('quota_shards')
      .values(missing.map((shard) => ({ project_id: projectId, shard, used: 0, allowance: 0 })))
      .execute();
  }
  return used;
}

async function writeShards(trx: Executor, projectId: number, used: readonly number[], allowances: readonly number[]): Promise<void> {
  for (let shard = 0; shard < QUOTA_SHARDS; shard++) {
    await trx
      .updateTable('quota_shards')
      .set({ used: used[shard] ?? 0, allowance: allowances[shard] ?? 0 })
      .where('project_id', '=', projectId)
      .where('shard', '=', shard)
      .execute();
  }
}

/** A new project's quota: its limit and its empty shards. */
export async function createQuotaRows(trx: Executor, projectId: number, hard: number, now: number): Promise<void> {
  await trx
    .insertInto('quotas')
    .values({ project_id: projectId, hard_storage: hard, created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('project_id').doNothing())
    .execute();
  const used = new Array<number>(QUOTA_SHARDS).fill(0);
  const allowances = shareAllowances(hard, used);
  await trx
    .insertInto('quota_shards')
    .values(used.map((u, shard) => ({ project_id: projectId, shard, used: u, allowance: allowances[shard] ?? 0 })))
    .onConflict((oc) => oc.columns(['project_id', 'shard']).doNothing())
    .execute();
}

/** Sets a project's limit, sharing the headroom out anew once charges in flight have landed. */
export async function changeLimit(trx: Executor, projectId: number, hard: number, now: number): Promise<void> {
  await trx.updateTable('quotas').set({ hard_storage: hard, updated_at: now }).where('project_id', '=', projectId).execute();
  const used = await lockShards(trx, projectId);
  await writeShards(trx, projectId, used, shareAllowances(hard, used));
}

/** A project's usage: the sum of its shards. */
export async function usedStorageOf(db: Executor, projectId: number): Promise<number> {
  return (await usedStorage(db, [projectId])).get(projectId) ?? 0;
}

/** What every project's artifacts hold together (a blob shared by two projects counts in each). */
export async function totalUsedStorage(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('quota_shards')
    .select((eb) => eb.fn.sum<number | string | null>('used').as('used'))
    .executeTakeFirst();
  return Number(row?.used ?? 0);
}

export async function usedStorage(db: Executor, projectIds: readonly number[]): Promise<Map<number, number>> {
  if (projectIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('quota_shards')
    .select((eb) => ['project_id', eb.fn.sum<number | string>('used').as('used')])
    .where('project_id', 'in', [...projectIds])
    .groupBy('project_id')
    .execute();
  return new Map(rows.map((r) => [Number(r.project_id), Number(r.used)]));
}

/** Would adding these bytes pass the limit? A cheap early answer; the charge itself decides. */
export async function wouldExceed(db: Executor, projectId: number, size: number): Promise<QuotaExceededError | undefined> {
  const quota = await db.selectFrom('quotas').select('hard_storage').where('project_id', '=', projectId).executeTakeFirst();
  if (!quota || quota.hard_storage < 0) return undefined;
  const used = await usedStorageOf(db, projectId);
  if (used + size <= quota.hard_storage) return undefined;
  return new QuotaExceededError(projectId, size, used, quota.hard_storage);
}

/**
 * Room the project leaves for bytes not yet held by an artifact: the limit less what artifacts
 * hold and what is pending already. Unlimited projects answer from the quota row alone, without
 * adding anything up. One query for the limit and usage, one (content's) for the pending bytes.
 */
export async function roomForUploads(
  db: Executor,
  projectId: number,
  pending: () => Promise<number>,
): Promise<{ bytes: number; refuse(adding: number): QuotaExceededError } | undefined> {
  const quota = await db
    .selectFrom('quotas')
    .select(['hard_storage', sql<number | string>`(select coalesce(sum(s.used), 0) from quota_shards s where s.project_id = quotas.project_id)`.as('used')])
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  if (!quota || quota.hard_storage < 0) return undefined;
  const hard = Number(quota.hard_storage);
  const used = Number(quota.used);
  const waiting = await pending();
  return {
    bytes: Math.max(hard - used - waiting, 0),
    refuse: (adding) => new QuotaExceededError(projectId, adding, used, hard, waiting),
  };
}
