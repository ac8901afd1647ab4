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
