import { sql } from 'kysely';
import { inBatches, preparedQuery, type Artifact, type Executor, type Repository, type Upload } from '../platform/db/index.js';
import type { GateRunner } from './gate-runner.js';
import { releaseContent } from './usage.js';
import type { FactColumns } from './facts.js';

// Every /v2/ request on a repository looks it up: prepared, as the manifest lookups below.
const repositoryByName = preparedQuery((db, name: string) => db.selectFrom('repositories').selectAll().where('name', '=', name));

export async function findRepository(db: Executor, name: string): Promise<Repository | undefined> {
  return (await repositoryByName(db, name))[0];
}

/** The repository row, created on first use. Safe under concurrent first pushes. */
export async function ensureRepository(db: Executor, projectId: number, name: string, now: number): Promise<Repository> {
  const existing = await findRepository(db, name);
  if (existing) return existing;
  await db
    .insertInto('repositories')
    .values({ project_id: projectId, name, created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const created = await findRepository(db, name);
  if (!created) throw new Error(`repository ${name} vanished while being created`);
  return created;
}

/** Size of a blob visible in the repository, or undefined when it is not linked there. */
// Each blob HEAD and GET asks this (docker push HEADs every blob first).
const linkedBlob = preparedQuery((db, repositoryId: number, digest: string) =>
  db
    .selectFrom('repository_blobs')
    .innerJoin('blobs', 'blobs.digest', 'repository_blobs.digest')
    .select('blobs.size')
    .where('repository_blobs.repository_id', '=', repositoryId)
    .where('repository_blobs.digest', '=', digest),
);

export async function linkedBlobSize(db: Executor, repositoryId: number, digest: string): Promise<number | undefined> {
  return (await linkedBlob(db, repositoryId, digest))[0]?.size;
}

/** The repositories of the project that hold the blob, with its size; a mount picks one the caller may pull. */
export async function blobHoldersInProject(db: Executor, projectId: number, digest: string): Promise<Array<{ name: string; size: number }>> {
  return db
    .selectFrom('repository_blobs')
    .innerJoin('repositories', 'repositories.id', 'repository_blobs.repository_id')
    .innerJoin('blobs', 'blobs.digest', 'repository_blobs.digest')
    .select(['repositories.name', 'blobs.size'])
    .where('repositories.project_id', '=', projectId)
    .where('repository_blobs.digest', '=', digest)
    .orderBy('repositories.name')
    .limit(100)
    .execute();
}

/** Records verified content and makes it visible in the repository. */
export async function linkBlob(db: Executor, repositoryId: number, digest: string, size: number, now: number): Promise<void> {
  await db
    .insertInto('blobs')
    .values({ digest, size, created_at: now })
    .onConflict((oc) => oc.column('digest').doNothing())
    .execute();
  // A fresh upload or mount restarts GC's grace window for the blob in this repository.
  await db
    .insertInto('repository_blobs')
    .values({ repository_id: repositoryId, digest, created_at: now })
    .onConflict((oc) => oc.columns(['repository_id', 'digest']).doUpdateSet({ created_at: now }))
    .execute();
}

/** Whether an artifact of the repository references the blob (its config or a layer), or is that manifest. */
export async function artifactReferencesBlob(db: Executor, repositoryId: number, digest: string): Promise<boolean> {
  const referenced = await db
    .selectFrom('artifact_references')
    .innerJoin('artifacts', 'artifacts.id', 'artifact_references.artifact_id')
    .select('artifacts.id')
    .where('artifacts.repository_id', '=', repositoryId)
    .where('artifact_references.child_digest', '=', digest)
    .limit(1)
    .executeTakeFirst();
  if (referenced) return true;
  return (await findArtifactByDigest(db, repositoryId, digest)) !== undefined;
}

export async function unlinkBlob(db: Executor, repositoryId: number, digest: string): Promise<boolean> {
  const result = await db.deleteFrom('repository_blobs').where('repository_id', '=', repositoryId).where('digest', '=', digest).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function createUpload(db: Executor, id: string, repositoryId: number, account: string | null, now: number): Promise<void> {
  await db.insertInto('uploads').values({ id, repository_id: repositoryId, account, size: 0, created_at: now, updated_at: now }).execute();
}

/** Upload sessions open, on every instance. */
export async function countUploads(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('uploads')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Upload sessions of the account written to (or opened) since `since`. */
export async function countUploadsOf(db: Executor, account: string, since: number): Promise<number> {
  const row = await db
    .selectFrom('uploads')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('account', '=', account)
    .where('updated_at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Marks the upload as being written now and answers its size; undefined when it is gone (never
 * there, finished, or purged). The purge deletes only rows still stale when it deletes them, so
 * once this has marked the row, the purge leaves it alone.
 */
/**
 * Takes the upload for one writer until `until`, and answers its size: undefined when there is
 * no such upload, 'held' while another writer holds it (on any instance) and its hold lasts.
 */
export async function claimUpload(db: Executor, id: string, repositoryId: number, writer: string, now: number, until: number): Promise<number | 'held' | undefined> {
  const row = await db
    .updateTable('uploads')
    .set({ updated_at: now, writer, writer_until: until })
    .where('id', '=', id)
    .where('repository_id', '=', repositoryId)
    .where((eb) => eb.or([eb('writer', 'is', null), eb('writer_until', '<', now)]))
    .returning('size')
    .executeTakeFirst();
  if (row) return Number(row.size);
  return (await findUpload(db, id, repositoryId)) ? 'held' : undefined;
}

/** Bytes are still arriving: the upload is not abandoned, and its writer keeps it until `until`. False when the writer had lost it. */
export async function renewUpload(db: Executor, id: string, writer: string, now: number, until: number): Promise<boolean> {
  const result = await db.updateTable('uploads').set({ updated_at: now, writer_until: until }).where('id', '=', id).where('writer', '=', writer).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Lets the upload go (a writer that had lost it changes nothing). */
export async function releaseUpload(db: Executor, id: string, writer: string): Promise<void> {
  await db.updateTable('uploads').set({ writer: null, writer_until: null }).where('id', '=', id).where('writer', '=', writer).execute();
}

export function findUpload(db: Executor, id: string, repositoryId: number): Promise<Upload | undefined> {
  return db.selectFrom('uploads').selectAll().where('id', '=', id).where('repository_id', '=', repositoryId).executeTakeFirst();
}

export async function setUploadSize(db: Executor, id: string, size: number, now: number): Promise<void> {
  await db.updateTable('uploads').set({ size, updated_at: now }).where('id', '=', id).execute();
}

/** Deletes the upload while `writer` holds it; false when it does not (another request took it over). */
export async function deleteHeldUpload(db: Executor, id: string, writer: string): Promise<boolean> {
  const result = await db.deleteFrom('uploads').where('id', '=', id).where('writer', '=', writer).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function deleteUpload(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('uploads').where('id', '=', id).execute();
}

export function findArtifactByDigest(db: Executor, repositoryId: number, digest: string): Promise<Artifact | undefined> {
  return db.selectFrom('artifacts').selectAll().where('repository_id', '=', repositoryId).where('digest', '=', digest).executeTakeFirst();
}

export function findArtifactByTag(db: Executor, repositoryId: number, tag: string): Promise<Artifact | undefined> {
  return db
    .selectFrom('tags')
    .innerJoin('artifacts', 'artifacts.id', 'tags.artifact_id')
    .selectAll('artifacts')
    .where('tags.repository_id', '=', repositoryId)
    .where('tags.name', '=', tag)
    .executeTakeFirst();
}

// Every manifest GET runs one of these two: prepared, so a pull does not build and compile the query anew.
const artifactByRepositoryTag = preparedQuery((db, repositoryName: string, tag: string) =>
  db
    .selectFrom('repositories')
    .innerJoin('tags', 'tags.repository_id', 'repositories.id')
    .innerJoin('artifacts', 'artifacts.id', 'tags.artifact_id')
    .selectAll('artifacts')
    .where('repositories.name', '=', repositoryName)
    .where('tags.name', '=', tag),
);

const artifactByRepositoryDigest = preparedQuery((db, repositoryName: string, digest: string) =>
  db
    .selectFrom('repositories')
    .innerJoin('artifacts', 'artifacts.repository_id', 'repositories.id')
    .selectAll('artifacts')
    .where('repositories.name', '=', repositoryName)
    .where('artifacts.digest', '=', digest),
);

export async function findArtifactByRepositoryTag(db: Executor, repositoryName: string, tag: string): Promise<Artifact | undefined> {
  return (await artifactByRepositoryTag(db, repositoryName, tag))[0];
}

export async function findArtifactByRepositoryDigest(db: Executor, repositoryName: string, digest: string): Promise<Artifact | undefined> {
  return (await artifactByRepositoryDigest(db, repositoryName, digest))[0];
}

/** Of the given digests, those that are manifests in the repository, with their sizes. */
export async function manifestSizes(db: Executor, repositoryId: number, digests: readonly string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for (const batch of inBatches(digests)) {
    const rows = await db
      .selectFrom('artifacts')
      .select(['digest', 'manifest_size'])
      .where('repository_id', '=', repositoryId)
      .where('digest', 'in', batch)
      .execute();
    for (const r of rows) sizes.set(r.digest, r.manifest_size);
  }
  return sizes;
}

/** Of the given digests, those linked as blobs in the repository, with their sizes. */
export async function linkedBlobSizes(db: Executor, repositoryId: number, digests: readonly string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for (const batch of inBatches(digests)) {
    const rows = await db
      .selectFrom('repository_blobs')
      .innerJoin('blobs', 'blobs.digest', 'repository_blobs.digest')
      .select(['blobs.digest', 'blobs.size'])
      .where('repository_blobs.repository_id', '=', repositoryId)
      .where('repository_blobs.digest', 'in', batch)
      .execute();
    for (const r of rows) sizes.set(r.digest, r.size);
  }
  return sizes;
}

export interface ManifestRecord {
  repositoryId: number;
  digest: string;
  mediaType: string;
  artifactType: string | null;
  manifestSize: number;
  size: number;
  subject: string | null;
  annotations: string | null;
  references: Array<{ digest: string; kind: 'blob' | 'manifest' }>;
  tag: string | null;
  now: number;
  /** What listings show (src/content/facts.ts); NULL columns when left out. */
  facts?: FactColumns;
}

/**
 * Stores the artifact (once per digest), its references and its tag, in the caller's
 * transaction; `created` says whether the artifact is new to the repository.
 */
export async function saveManifest(db: Executor, record: ManifestRecord): Promise<{ artifact: Artifact; created: boolean }> {
  let artifact = await findArtifactByDigest(db, record.repositoryId, record.digest);
  let created = false;
  if (!artifact) {
    const inserted = await db
      .insertInto('artifacts')
      .values({
        repository_id: record.repositoryId,
        digest: record.digest,
        media_type: record.mediaType,
        artifact_type: record.artifactType,
        size: record.size,
        manifest_size: record.manifestSize,
        subject_digest: record.subject,
        annotations: record.annotations,
        push_time: record.now,
        pull_time: null,
        ...record.facts,
      })
      .onConflict((oc) => oc.columns(['repository_id', 'digest']).doNothing())
      .returningAll()
      .executeTakeFirst();
    // Without a row back, a concurrent push of the same manifest stored it (and its references).
    artifact = inserted ?? (await findArtifactByDigest(db, record.repositoryId, record.digest));
    if (!artifact) throw new Error('artifact vanished while being saved');
    created = inserted !== undefined;
    const references = uniqueBy(record.references, (r) => r.digest);
    if (created) {
      const artifactId = artifact.id;
      for (const batch of inBatches(references)) {
        await db
          .insertInto('artifact_references')
          .values(batch.map((r) => ({ artifact_id: artifactId, child_digest: r.digest, child_kind: r.kind })))
          .onConflict((oc) => oc.columns(['artifact_id', 'child_digest']).doNothing())
          .execute();
      }
    }
  }
  if (record.tag !== null) {
    await db
      .insertInto('tags')
      .values({ repository_id: record.repositoryId, artifact_id: artifact.id, name: record.tag, push_time: record.now, pull_time: null })
      .onConflict((oc) => oc.columns(['repository_id', 'name']).doUpdateSet({ artifact_id: artifact.id, push_time: record.now }))
      .execute();
  }
  await db.updateTable('repositories').set({ updated_at: record.now }).where('id', '=', record.repositoryId).execute();
  return { artifact, created };
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => (seen.has(key(item)) ? false : (seen.add(key(item)), true)));
}

/**
 * Removes artifact rows with their tags and references, in batches, in the caller's
 * transaction: their content is released from their projects (the gates hear of the bytes
 * freed), and their manifest digests are recorded for GC, which removes the bytes once no
 * artifact has the digest. Only deleteArtifacts (delete.ts) calls this: it decides what goes.
 */
export async function deleteArtifactRows(db: Executor, gates: GateRunner, artifactIds: readonly number[], now: number): Promise<void> {
  await releaseArtifacts(db, gates, artifactIds, now);
  for (let i = 0; i < artifactIds.length; i += 500) {
    const ids = artifactIds.slice(i, i + 500);
    await db
      .insertInto('deleted_manifests')
      .columns(['digest', 'size', 'deleted_at'])
      .expression((eb) =>
        eb
          .selectFrom('artifacts')
          .select(['digest', 'manifest_size', eb.val(now).as('deleted_at')])
          .where('id', 'in', ids)
          .groupBy(['digest', 'manifest_size']),
      )
      .onConflict((oc) => oc.column('digest').doUpdateSet({ deleted_at: now }))
      .execute();
    await db.deleteFrom('tags').where('artifact_id', 'in', ids).execute();
    await db.deleteFrom('artifact_references').where('artifact_id', 'in', ids).execute();
    await db.deleteFrom('artifacts').where('id', 'in', ids).execute();
  }
}

/**
 * The quota side of removing artifacts (before their rows go): each releases its manifest
 * and the blobs it references.
 */
async function releaseArtifacts(db: Executor, gates: GateRunner, artifactIds: readonly number[], now: number): Promise<void> {
  if (artifactIds.length === 0) return;
  const byProject = new Map<number, string[]>();
  const hold = (projectId: number, digest: string) => {
    const list = byProject.get(projectId) ?? [];
    list.push(digest);
    byProject.set(projectId, list);
  };
  for (let i = 0; i < artifactIds.length; i += 500) {
    const ids = artifactIds.slice(i, i + 500);
    const manifests = await db
      .selectFrom('artifacts')
      .innerJoin('repositories', 'repositories.id', 'artifacts.repository_id')
      .select(['repositories.project_id', 'artifacts.digest'])
      .where('artifacts.id', 'in', ids)
      .execute();
    for (const row of manifests) hold(row.project_id, row.digest);
    const blobs = await db
      .selectFrom('artifact_references')
      .innerJoin('artifacts', 'artifacts.id', 'artifact_references.artifact_id')
      .innerJoin('repositories', 'repositories.id', 'artifacts.repository_id')
      .select(['repositories.project_id', 'artifact_references.child_digest'])
      .where('artifact_references.artifact_id', 'in', ids)
      .where('artifact_references.child_kind', '=', 'blob')
      .execute();
    for (const row of blobs) hold(row.project_id, row.child_digest);
  }
  for (const [projectId, digests] of byProject) {
    const released = await releaseContent(db, projectId, digests);
    await gates.bytesReleased(db, { projectId, bytes: released, now });
  }
}

export async function tagsOfArtifact(db: Executor, artifactId: number): Promise<string[]> {
  const rows = await db.selectFrom('tags').select('name').where('artifact_id', '=', artifactId).execute();
  return rows.map((r) => r.name);
}

export async function deleteTag(db: Executor, repositoryId: number, tag: string): Promise<boolean> {
  const result = await db.deleteFrom('tags').where('repository_id', '=', repositoryId).where('name', '=', tag).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Digests of the indexes in the repository that list this manifest as a child. */
export async function parentIndexes(db: Executor, repositoryId: number, digest: string): Promise<string[]> {
  const rows = await db
    .selectFrom('artifact_references')
    .innerJoin('artifacts', 'artifacts.id', 'artifact_references.artifact_id')
    .select('artifacts.digest')
    .where('artifacts.repository_id', '=', repositoryId)
    .where('artifact_references.child_digest', '=', digest)
    .where('artifact_references.child_kind', '=', 'manifest')
    .execute();
  return rows.map((r) => r.digest);
}

export async function listTags(db: Executor, repositoryId: number, limit: number, last: string | undefined): Promise<string[]> {
  let query = db.selectFrom('tags').select('name').where('repository_id', '=', repositoryId);
  if (last !== undefined) query = query.where('name', '>', last);
  const rows = await query.orderBy('name').limit(limit).execute();
  return rows.map((r) => r.name);
}

/** Names of repositories holding at least one artifact, in the given projects (all when undefined). */
export async function listRepositoryNames(db: Executor, projectIds: number[] | undefined, limit: number, last: string | undefined): Promise<string[]> {
  if (projectIds !== undefined && projectIds.length === 0) return [];
  let query = db
    .selectFrom('repositories')
    .select('name')
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('artifacts')
          .select(sql<number>`1`.as('one'))
          .whereRef('artifacts.repository_id', '=', 'repositories.id'),
      ),
    );
  if (projectIds !== undefined) query = query.where('project_id', 'in', projectIds);
  if (last !== undefined) query = query.where('name', '>', last);
  const rows = await query.orderBy('name').limit(limit).execute();
  return rows.map((r) => r.name);
}

export function listReferrers(db: Executor, repositoryId: number, subject: string, artifactType: string | undefined): Promise<Artifact[]> {
  let query = db.selectFrom('artifacts').selectAll().where('repository_id', '=', repositoryId).where('subject_digest', '=', subject);
  if (artifactType !== undefined) query = query.where('artifact_type', '=', artifactType);
  return query.orderBy('push_time').orderBy('id').execute();
}

export async function recordPulls(db: Executor, pulls: Array<{ repositoryId: number; artifactId: number; count: number; at: number }>): Promise<void> {
  for (const pull of pulls) {
    await db.updateTable('artifacts').set({ pull_time: pull.at }).where('id', '=', pull.artifactId).execute();
    await db
      .updateTable('repositories')
      .set((eb) => ({ pull_count: eb('pull_count', '+', pull.count) }))
      .where('id', '=', pull.repositoryId)
      .execute();
  }
}

/**
 * The artifacts of the repository attached to the digest as their subject (signatures,
 * SBOMs), and those attached to them in turn: they go when their subject goes.
 */
export async function accessoriesOf(db: Executor, repositoryId: number, digest: string): Promise<Array<{ id: number; digest: string }>> {
  const found: Array<{ id: number; digest: string }> = [];
  const seen = new Set([digest]);
  let subjects = [digest];
  while (subjects.length > 0) {
    const rows = await db
      .selectFrom('artifacts')
      .select(['id', 'digest'])
      .where('repository_id', '=', repositoryId)
      .where('subject_digest', 'in', subjects)
      .orderBy('id')
      .execute();
    const fresh = rows.filter((r) => !seen.has(r.digest));
    for (const row of fresh) seen.add(row.digest);
    found.push(...fresh);
    subjects = fresh.map((r) => r.digest);
  }
  return found;
}
