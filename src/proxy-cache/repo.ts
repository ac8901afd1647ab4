import type { Executor } from '../platform/db/index.js';

export interface CachedTag {
  digest: string;
  media_type: string;
  /** When the upstream was last asked what the tag names (ms). */
  checked_at: number;
}

export function findCachedTag(db: Executor, repository: string, tag: string): Promise<CachedTag | undefined> {
  return db
    .selectFrom('proxy_cache_tags')
    .select(['digest', 'media_type', 'checked_at'])
    .where('repository', '=', repository)
    .where('tag', '=', tag)
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
