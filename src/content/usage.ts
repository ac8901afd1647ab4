import { randomInt } from 'node:crypto';
import { sql } from 'kysely';
import type { Executor } from '../platform/db/index.js';

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
  return holdContents(trx, projectId, [content], now);
}

/**
 * Several new artifacts at once (a copy with its children and accessories): each holder counts
 * once per digest it holds, and the project is charged once, so the transaction takes one
 * quota counter.
 */
export async function holdContents(trx: Executor, projectId: number, holders: ReadonlyArray<readonly HeldContent[]>, now: number): Promise<QuotaCharge | undefined> {
  const counts = new Map<string, { size: number; holders: number }>();
  for (const holder of holders) {
    for (const c of new Map(holder.map((h) => [h.digest, h])).values()) {
      const entry = counts.get(c.digest);
      if (entry) entry.holders++;
      else counts.set(c.digest, { size: c.size, holders: 1 });
    }
  }
  const sorted = [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let added = 0;
  for (const batch of chunks(sorted)) {
    const rows = await trx
      .insertInto('project_blobs')
      .values(batch.map(([digest, c]) => ({ project_id: projectId, digest, size: c.size, refs: c.holders })))
      .onConflict((oc) => oc.columns(['project_id', 'digest']).doUpdateSet({ refs: sql<number>`project_blobs.refs + excluded.refs` }))
      .returning(['digest', 'size', 'refs'])
      .execute();
    // A row whose count is exactly what this call added is new to the project: charge it.
    for (const row of rows) if (row.refs === counts.get(row.digest)?.holders) added += Number(row.size);
  }
  return charge(trx, projectId, added, now);
}

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

/**
 * Artifacts of the project let go of their content (the digests listed as often as they were
 * held); digests no artifact holds any more are removed and their bytes released.
 */
export async function releaseContent(trx: Executor, projectId: number, digests: readonly string[]): Promise<void> {
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
  // Always the first shard: a transaction that releases many times locks one counter only.
  if (released > 0) {
    await trx
      .updateTable('quota_shards')
      .set({ used: sql<number>`used - ${released}` })
      .where('project_id', '=', projectId)
      .where('shard', '=', 0)
      .execute();
  }
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
 * in-flight charges, decides on the exact total, and shares the headroom out again.
 */
async function charge(trx: Executor, projectId: number, bytes: number, now: number): Promise<QuotaCharge | undefined> {
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
  if (hard >= 0 && total + bytes > hard) throw new QuotaExceededError(projectId, bytes, total, hard);
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
  const rows = await trx.updateTable('quota_shards').set({ used: sql<number>`used` }).where('project_id', '=', projectId).returning(['shard', 'used']).execute();
  const used = new Array<number>(QUOTA_SHARDS).fill(0);
  for (const row of rows) used[row.shard] = Number(row.used);
  if (rows.length < QUOTA_SHARDS) {
    const present = new Set(rows.map((r) => r.shard));
    const missing = used.map((_, shard) => shard).filter((shard) => !present.has(shard));
    await trx.insertInto('quota_shards').values(missing.map((shard) => ({ project_id: projectId, shard, used: 0, allowance: 0 }))).execute();
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
export async function wouldExceed(db: Executor, projectId: number, digest: string, size: number): Promise<QuotaExceededError | undefined> {
  const held = await db.selectFrom('project_blobs').select('refs').where('project_id', '=', projectId).where('digest', '=', digest).executeTakeFirst();
  if (held) return undefined;
  const quota = await db.selectFrom('quotas').select('hard_storage').where('project_id', '=', projectId).executeTakeFirst();
  if (!quota || quota.hard_storage < 0) return undefined;
  const used = await usedStorageOf(db, projectId);
  if (used + size <= quota.hard_storage) return undefined;
  return new QuotaExceededError(projectId, size, used, quota.hard_storage);
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
