import { sql } from 'kysely';
import type { Executor } from '../platform/db/index.js';

/** Content an artifact holds in its project: its manifest and every blob it references. */
export interface HeldContent {
  digest: string;
  size: number;
}

/** IN lists stay well under both engines' bound-parameter limits. */
const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/**
 * New artifacts of the project hold this content (one list per artifact): each digest's holder
 * count goes up, in the caller's transaction, and the bytes of digests new to the project are
 * answered, for the push gates (the quota) to charge. Rows are touched in digest order so
 * concurrent pushes sharing layers cannot deadlock.
 */
export async function holdContents(trx: Executor, projectId: number, holders: ReadonlyArray<readonly HeldContent[]>): Promise<number> {
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
  return added;
}

/**
 * Artifacts of the project let go of their content (the digests listed as often as they were
 * held); digests no artifact holds any more are removed, and their bytes answered.
 */
export async function releaseContent(trx: Executor, projectId: number, digests: readonly string[]): Promise<number> {
  if (digests.length === 0) return 0;
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
  return released;
}

/** Whether the project already holds the digest: holding it again costs nothing. */
export async function holdsDigest(db: Executor, projectId: number, digest: string): Promise<boolean> {
  const held = await db.selectFrom('project_blobs').select('refs').where('project_id', '=', projectId).where('digest', '=', digest).executeTakeFirst();
  return held !== undefined;
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

/**
 * Bytes the project's uploads take before any artifact holds them: uploads in progress, and
 * blobs linked to its repositories since `linkedSince` that no artifact of the project holds
 * (pushed without a manifest so far). Links older than that are garbage collection's to take
 * (the callers pass its grace window), which keeps the query to recent links: one query, through
 * the uploads' and the links' (repository, time) indexes, whatever the size of the project.
 */
export async function pendingBytes(db: Executor, projectId: number, linkedSince: number): Promise<number> {
  const row = await sql<{ uploads: number | string | null; blobs: number | string | null }>`
    select
      (select coalesce(sum(u.size), 0)
         from uploads u join repositories r on r.id = u.repository_id
         where r.project_id = ${projectId}) as uploads,
      (select coalesce(sum(b.size), 0)
         from blobs b
         where b.digest in (
             select l.digest from repository_blobs l join repositories r on r.id = l.repository_id
             where r.project_id = ${projectId} and l.created_at >= ${linkedSince})
           and not exists (select 1 from project_blobs p where p.project_id = ${projectId} and p.digest = b.digest)) as blobs
  `.execute(db);
  const totals = row.rows[0];
  return Number(totals?.uploads ?? 0) + Number(totals?.blobs ?? 0);
}

/** The size of a blob the project holds already, or undefined: uploading it again adds nothing. */
export async function heldSize(db: Executor, projectId: number, digest: string): Promise<number | undefined> {
  const held = await db.selectFrom('project_blobs').select('size').where('project_id', '=', projectId).where('digest', '=', digest).executeTakeFirst();
  return held ? Number(held.size) : undefined;
}
