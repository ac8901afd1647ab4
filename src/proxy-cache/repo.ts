import type { Executor } from '../platform/db/index.js';

export interface CachedTag {
  digest: string;
  media_type: string;
  /** When the upstream was last asked what the tag names (ms). */
  checked_at: number;
}

/** The cached tag, with the digest of the artifact the repository's tag names now (null when none): a hit's one read. */
export function findCachedTag(db: Executor, repository: string, tag: string): Promise<(CachedTag & { tagged: string | null }) | undefined> {
  return db
    .selectFrom('proxy_cache_tags as p')
    .leftJoin('repositories as r', 'r.name', 'p.repository')
    .leftJoin('tags as t', (join) => join.onRef('t.repository_id', '=', 'r.id').onRef('t.name', '=', 'p.tag'))
    .leftJoin('artifacts as a', 'a.id', 't.artifact_id')
    .select(['p.digest', 'p.media_type', 'p.checked_at', 'a.digest as tagged'])
    .where('p.repository', '=', repository)
    .where('p.tag', '=', tag)
    .executeTakeFirst();
}

/** What the tag names upstream, as of `now`. */
export async function saveCachedTag(db: Executor, repository: string, tag: string, found: { digest: string; mediaType: string }, now: number): Promise<void> {
  await db
    .insertInto('proxy_cache_tags')
    .values({ repository, tag, digest: found.digest, media_type: found.mediaType, checked_at: now })
    .onConflict((c) => c.columns(['repository', 'tag']).doUpdateSet({ digest: found.digest, media_type: found.mediaType, checked_at: now }))
    .execute();
}

/**
 * Takes the fetch `key` for `holder` until `until`: true when it was free, or its holder's hold
 * had run out (an instance that died mid-fetch); false while another holder's hold lasts.
 */
export async function claimFetch(db: Executor, key: string, holder: string, now: number, until: number): Promise<boolean> {
  const row = await db
    .insertInto('proxy_fetches')
    .values({ key, holder, held_until: until })
    .onConflict((c) => c.column('key').doUpdateSet({ holder, held_until: until }).where('proxy_fetches.held_until', '<', now))
    .returning('holder')
    .executeTakeFirst();
  return row?.holder === holder;
}

/** The fetch goes on: `holder` keeps it until `until`. False when it had lost it. */
export async function renewFetch(db: Executor, key: string, holder: string, until: number): Promise<boolean> {
  const result = await db.updateTable('proxy_fetches').set({ held_until: until }).where('key', '=', key).where('holder', '=', holder).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The fetch ended (a holder that had lost it changes nothing). */
export async function releaseFetch(db: Executor, key: string, holder: string): Promise<void> {
  await db.deleteFrom('proxy_fetches').where('key', '=', key).where('holder', '=', holder).execute();
}

/** Until when another fetch holds `key` (ms); undefined when nobody does. */
export async function fetchHeldUntil(db: Executor, key: string): Promise<number | undefined> {
  const row = await db.selectFrom('proxy_fetches').select('held_until').where('key', '=', key).executeTakeFirst();
  return row ? Number(row.held_until) : undefined;
}

/** Forgets holds that ran out before `before` (left by instances that died mid-fetch, and never taken over). */
export async function deleteLapsedFetches(db: Executor, before: number): Promise<void> {
  await db.deleteFrom('proxy_fetches').where('held_until', '<', before).execute();
}
