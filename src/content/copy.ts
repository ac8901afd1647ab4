import type { Artifact, Executor, Repository } from '../platform/db/index.js';
import { ConflictError } from '../platform/errors/index.js';
import type { GateRunner } from './gate-runner.js';
import * as repo from './repo.js';
import { holdContents, type HeldContent } from './usage.js';
import { copiedFacts } from './facts.js';

export interface CopyResult {
  root: Artifact;
  /** Every artifact created in the target: index children, accessories and the root. */
  created: Array<{ artifact: Artifact; tags: string[] }>;
  /** Tags of the target that pointed at another artifact and now point at a copy. */
  movedTags: string[];
  /** Whether a gate crossed a warning threshold with the bytes the copy brought (QUOTA_WARNING). */
  warning: boolean;
}

/**
 * Copies an artifact into another repository in the caller's transaction, as Harbor does:
 * its index children and its accessories (signatures, SBOMs) with it, blobs linked into the
 * target without moving a byte, the tags of the root and of its accessories, and the target
 * project charged for what is new to it. Children already in the target are reused.
 */
export async function copyArtifactRows(
  trx: Executor,
  gates: GateRunner,
  source: Repository,
  artifact: Artifact,
  target: Repository,
  now: number,
): Promise<CopyResult> {
  const result: CopyResult = { root: artifact, created: [], movedTags: [], warning: false };
  const holders: HeldContent[][] = [];
  result.root = await copyOne(trx, source, artifact, target, now, result, holders, true);
  // A copied tag may not take a protected tag of the target away from its artifact; the rollback restores it.
  await gates.tagsChanging(trx, { repository: target, tags: result.movedTags, change: 'move' });
  // One charge for the whole copy: the transaction takes a single quota counter.
  const added = await holdContents(trx, target.project_id, holders);
  result.warning = await gates.bytesAdded(trx, { projectId: target.project_id, bytes: added, now });
  return result;
}

async function copyOne(
  trx: Executor,
  source: Repository,
  artifact: Artifact,
  target: Repository,
  now: number,
  result: CopyResult,
  holders: HeldContent[][],
  isRoot: boolean,
): Promise<Artifact> {
  const existing = await repo.findArtifactByDigest(trx, target.id, artifact.digest);
  if (existing) {
    if (isRoot) throw new ConflictError('artifact', `the artifact ${target.name}@${artifact.digest} already exists`, { digest: artifact.digest });
    return existing;
  }
  const references = await trx
    .selectFrom('artifact_references')
    .leftJoin('blobs', 'blobs.digest', 'artifact_references.child_digest')
    .select(['artifact_references.child_digest as digest', 'artifact_references.child_kind as kind', 'blobs.size as size'])
    .where('artifact_references.artifact_id', '=', artifact.id)
    .execute();
  for (const child of references.filter((r) => r.kind === 'manifest')) {
    const sourceChild = await repo.findArtifactByDigest(trx, source.id, child.digest);
    if (sourceChild) await copyOne(trx, source, sourceChild, target, now, result, holders, false);
  }
  const blobs = references.filter((r) => r.kind === 'blob').map((r) => ({ digest: r.digest, size: r.size ?? 0 }));
  for (const blob of blobs) await repo.linkBlob(trx, target.id, blob.digest, blob.size, now);
  const saved = await repo.saveManifest(trx, {
    repositoryId: target.id,
    digest: artifact.digest,
    mediaType: artifact.media_type,
    artifactType: artifact.artifact_type,
    manifestSize: artifact.manifest_size,
    size: artifact.size,
    subject: artifact.subject_digest,
    annotations: artifact.annotations,
    references: references.map((r) => ({ digest: r.digest, kind: r.kind })),
    tag: null,
    now,
    facts: copiedFacts(artifact),
  });
  holders.push([{ digest: artifact.digest, size: artifact.manifest_size }, ...blobs]);
  const tags = isRoot || artifact.subject_digest !== null ? await repo.tagsOfArtifact(trx, artifact.id) : [];
  for (const tag of tags) {
    const current = await repo.findArtifactByTag(trx, target.id, tag);
    if (current && current.id !== saved.artifact.id) result.movedTags.push(tag);
    await trx
      .insertInto('tags')
      .values({ repository_id: target.id, artifact_id: saved.artifact.id, name: tag, push_time: now, pull_time: null })
      .onConflict((oc) => oc.columns(['repository_id', 'name']).doUpdateSet({ artifact_id: saved.artifact.id, push_time: now }))
      .execute();
  }
  result.created.push({ artifact: saved.artifact, tags });
  for (const accessory of await repo.listReferrers(trx, source.id, artifact.digest, undefined)) {
    await copyOne(trx, source, accessory, target, now, result, holders, false);
  }
  return saved.artifact;
}
