import { forUpdate, type Dialect, type Executor } from '../platform/db/index.js';

/** A blob row as GC weighs it. */
export interface BlobRow {
  digest: string;
  size: number;
  created_at: number;
}

/** An artifact that untagged deletion may consider. */
export interface ArtifactNode {
  id: number;
  repositoryId: number;
  digest: string;
  pushTime: number;
  tagged: boolean;
}

/**
 * The digest closing a window of `size` blob rows after `after`, or undefined when fewer are
 * left: the sweep weighs the table a window at a time, so no query runs long.
 */
export async function windowEnd(db: Executor, after: string, size: number): Promise<string | undefined> {
  const row = await db
    .selectFrom('blobs')
    .select('digest')
    .where('digest', '>', after)
    .orderBy('digest')
    .offset(size - 1)
    .limit(1)
    .executeTakeFirst();
  return row?.digest;
}

function inWindow(db: Executor, after: string, upto: string | undefined) {
  let query = db.selectFrom('blobs as b').select(['b.digest', 'b.size', 'b.created_at']).where('b.digest', '>', after);
  if (upto !== undefined) query = query.where('b.digest', '<=', upto);
  return query.orderBy('b.digest');
}

/** Every blob row of the window. */
export function blobsIn(db: Executor, after: string, upto: string | undefined): Promise<BlobRow[]> {
  return inWindow(db, after, upto).execute();
}

/**
 * The garbage of a window, found by the database: older than the grace window, referenced by
 * no artifact, no artifact's manifest, and linked nowhere since the grace window began.
 */
export function garbageBlobsIn(db: Executor, after: string, upto: string | undefined, cutoff: number): Promise<BlobRow[]> {
  return inWindow(db, after, upto)
    .where('b.created_at', '<', cutoff)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('artifact_references as r').select('r.artifact_id').whereRef('r.child_digest', '=', 'b.digest'))))
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('artifacts as a').select('a.id').whereRef('a.digest', '=', 'b.digest'))))
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('repository_blobs as l').select('l.digest').whereRef('l.digest', '=', 'b.digest').where('l.created_at', '>=', cutoff))),
    )
    .execute();
}

/** Blob rows by digest; on PostgreSQL locked FOR UPDATE, in digest order so two sweeps never deadlock. */
export async function lockBlobs(db: Executor, digests: string[], dialect: Dialect): Promise<BlobRow[]> {
  if (digests.length === 0) return [];
  return forUpdate(db.selectFrom('blobs').select(['digest', 'size', 'created_at']).where('digest', 'in', digests).orderBy('digest'), dialect).execute();
}

/**
 * Of the given digests, those something still holds: an artifact referencing it (other than
 * the `ignoring` ones, which a dry run pretends are gone), an artifact whose manifest it is,
 * or (when `cutoff` is given) a repository link newer than the grace window.
 */
export async function heldDigests(db: Executor, digests: string[], ignoring: ReadonlySet<number>, cutoff: number | undefined): Promise<Set<string>> {
  const held = new Set<string>();
  if (digests.length === 0) return held;
  const references = await db.selectFrom('artifact_references').select(['artifact_id', 'child_digest']).where('child_digest', 'in', digests).execute();
  for (const r of references) if (!ignoring.has(r.artifact_id)) held.add(r.child_digest);
  const manifests = await db.selectFrom('artifacts').select(['id', 'digest']).where('digest', 'in', digests).execute();
  for (const m of manifests) if (!ignoring.has(m.id)) held.add(m.digest);
  if (cutoff !== undefined) {
    const fresh = await db.selectFrom('repository_blobs').select('digest').where('digest', 'in', digests).where('created_at', '>=', cutoff).execute();
    for (const f of fresh) held.add(f.digest);
  }
  return held;
}

export async function deleteBlobRows(db: Executor, digests: string[]): Promise<void> {
  if (digests.length === 0) return;
  await db.deleteFrom('repository_blobs').where('digest', 'in', digests).execute();
  await db.deleteFrom('blobs').where('digest', 'in', digests).execute();
}

export function deletedManifestsAfter(db: Executor, after: string, limit: number): Promise<Array<{ digest: string; size: number }>> {
  return db.selectFrom('deleted_manifests').select(['digest', 'size']).where('digest', '>', after).orderBy('digest').limit(limit).execute();
}

export async function lockDeletedManifests(db: Executor, digests: string[], dialect: Dialect): Promise<Array<{ digest: string; size: number }>> {
  if (digests.length === 0) return [];
  return forUpdate(db.selectFrom('deleted_manifests').select(['digest', 'size']).where('digest', 'in', digests).orderBy('digest'), dialect).execute();
}

export async function forgetDeletedManifests(db: Executor, digests: string[]): Promise<void> {
  if (digests.length === 0) return;
  await db.deleteFrom('deleted_manifests').where('digest', 'in', digests).execute();
}

/** Of the given digests, those that have a `blobs` row: the blob sweep owns their bytes. */
export async function withBlobRows(db: Executor, digests: string[]): Promise<Set<string>> {
  if (digests.length === 0) return new Set();
  const rows = await db.selectFrom('blobs').select('digest').where('digest', 'in', digests).execute();
  return new Set(rows.map((r) => r.digest));
}

/** Artifacts without a tag, and every artifact with a subject (accessories follow their subject). */
export async function untaggedCandidates(db: Executor): Promise<ArtifactNode[]> {
  const rows = await db
    .selectFrom('artifacts')
    .select(['id', 'repository_id', 'digest', 'push_time', 'subject_digest'])
    .select((eb) => eb.exists(eb.selectFrom('tags').select('tags.id').whereRef('tags.artifact_id', '=', 'artifacts.id')).as('tagged'))
    .where((eb) =>
      eb.or([eb.not(eb.exists(eb.selectFrom('tags').select('tags.id').whereRef('tags.artifact_id', '=', 'artifacts.id'))), eb('subject_digest', 'is not', null)]),
    )
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, repositoryId: r.repository_id, digest: r.digest, pushTime: r.push_time, tagged: Boolean(r.tagged) }));
}

/** Index → child links within a repository, as artifact ids. */
export async function indexChildren(db: Executor): Promise<Array<{ parentId: number; childId: number }>> {
  return db
    .selectFrom('artifact_references')
    .innerJoin('artifacts as parent', 'parent.id', 'artifact_references.artifact_id')
    .innerJoin('artifacts as child', (join) =>
      join.onRef('child.repository_id', '=', 'parent.repository_id').onRef('child.digest', '=', 'artifact_references.child_digest'),
    )
    .select(['parent.id as parentId', 'child.id as childId'])
    .where('artifact_references.child_kind', '=', 'manifest')
    .execute();
}

/** Accessory → subject links within a repository, as artifact ids. */
export async function subjectLinks(db: Executor): Promise<Array<{ accessoryId: number; subjectId: number }>> {
  return db
    .selectFrom('artifacts as accessory')
    .innerJoin('artifacts as subject', (join) =>
      join.onRef('subject.repository_id', '=', 'accessory.repository_id').onRef('subject.digest', '=', 'accessory.subject_digest'),
    )
    .select(['accessory.id as accessoryId', 'subject.id as subjectId'])
    .execute();
}

export async function lockArtifacts(db: Executor, ids: number[], dialect: Dialect): Promise<void> {
  if (ids.length > 0) await forUpdate(db.selectFrom('artifacts').select('id').where('id', 'in', ids).orderBy('id'), dialect).execute();
}

/** Locks the artifact row (PostgreSQL) and answers what decides whether it may still go. */
export async function lockArtifact(
  db: Executor,
  artifactId: number,
  dialect: Dialect,
): Promise<{ id: number; repository_id: number; digest: string; subject_digest: string | null; push_time: number; manifest_size: number } | undefined> {
  return forUpdate(
    db.selectFrom('artifacts').select(['id', 'repository_id', 'digest', 'subject_digest', 'push_time', 'manifest_size']).where('id', '=', artifactId),
    dialect,
  ).executeTakeFirst();
}

export async function hasTag(db: Executor, artifactId: number): Promise<boolean> {
  return (await db.selectFrom('tags').select('id').where('artifact_id', '=', artifactId).limit(1).executeTakeFirst()) !== undefined;
}

export async function artifactExists(db: Executor, repositoryId: number, digest: string): Promise<boolean> {
  const row = await db.selectFrom('artifacts').select('id').where('repository_id', '=', repositoryId).where('digest', '=', digest).executeTakeFirst();
  return row !== undefined;
}
