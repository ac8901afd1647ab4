import { recordAudits } from '../audit/index.js';
import type { Executor, Repository } from '../platform/db/index.js';
import { PreconditionFailedError } from '../platform/errors/index.js';
import { recordEvents } from '../platform/events/index.js';
import type { GateRunner } from './gate-runner.js';
import { deleteArtifactRows, parentIndexes } from './repo.js';

/** Who changed something, for the event and audit rows. */
export interface Actor {
  name: string;
  ip?: string | null;
}

export interface ArtifactRef {
  id: number;
  digest: string;
}

/**
 * Everything deleting these artifacts of the repository takes along, roots first: their
 * accessories (signatures, SBOMs, and theirs in turn) and the children of doomed indexes that
 * nothing else keeps (no tag, and no index that stays lists them), as Harbor does.
 */
export async function planDeletion(trx: Executor, repository: Repository, roots: readonly ArtifactRef[]): Promise<ArtifactRef[]> {
  const doomed = new Map<number, ArtifactRef>();
  const children = new Map<number, ArtifactRef>();
  // Only roots still there: one may have gone with another's accessories or children already.
  const present = new Set<number>();
  for (let i = 0; i < roots.length; i += 500) {
    const rows = await trx
      .selectFrom('artifacts')
      .select('id')
      .where('repository_id', '=', repository.id)
      .where(
        'id',
        'in',
        roots.slice(i, i + 500).map((r) => r.id),
      )
      .execute();
    for (const row of rows) present.add(row.id);
  }
  let queue: ArtifactRef[] = roots.filter((r) => present.has(r.id));
  while (queue.length > 0) {
    for (const artifact of queue) doomed.set(artifact.id, artifact);
    const digests = queue.map((a) => a.digest);
    const ids = queue.map((a) => a.id);
    queue = [];
    for (let i = 0; i < digests.length; i += 500) {
      const accessories = await trx
        .selectFrom('artifacts')
        .select(['id', 'digest'])
        .where('repository_id', '=', repository.id)
        .where('subject_digest', 'in', digests.slice(i, i + 500))
        .orderBy('id')
        .execute();
      queue.push(...accessories.filter((a) => !doomed.has(a.id)));
      const listed = await trx
        .selectFrom('artifact_references as r')
        .innerJoin('artifacts as child', (join) => join.onRef('child.digest', '=', 'r.child_digest').on('child.repository_id', '=', repository.id))
        .select(['child.id', 'child.digest'])
        .where('r.artifact_id', 'in', ids.slice(i, i + 500))
        .where('r.child_kind', '=', 'manifest')
        .orderBy('child.id')
        .execute();
      for (const child of listed) if (!doomed.has(child.id)) children.set(child.id, child);
    }
    if (queue.length > 0) continue;
    // Children are weighed once every index that goes is known: one still listed elsewhere stays.
    const gone = new Set([...doomed.values()].map((a) => a.digest));
    for (const child of children.values()) {
      if (doomed.has(child.id)) continue;
      const tagged = await trx.selectFrom('tags').select('id').where('artifact_id', '=', child.id).limit(1).executeTakeFirst();
      if (tagged) continue;
      if ((await parentIndexes(trx, repository.id, child.digest)).every((parent) => gone.has(parent))) queue.push(child);
    }
    for (const child of queue) children.delete(child.id);
  }
  return [...doomed.values()];
}

/**
 * Refuses the deletion when an index that stays lists one of the doomed manifests, or when a
 * push gate (immutability) protects one of their tags. Writes nothing.
 */
export async function checkDeletion(trx: Executor, gates: GateRunner, repository: Repository, doomed: readonly ArtifactRef[]): Promise<void> {
  const gone = new Set(doomed.map((a) => a.digest));
  for (const each of doomed) {
    const parents = (await parentIndexes(trx, repository.id, each.digest)).filter((p) => !gone.has(p));
    if (parents.length > 0) {
      throw new PreconditionFailedError('artifact', `manifest ${each.digest} is part of index ${parents[0]}; delete the index first`, { referencedBy: parents });
    }
  }
  const tags: string[] = [];
  for (let i = 0; i < doomed.length; i += 500) {
    const rows = await trx
      .selectFrom('tags')
      .select('name')
      .where(
        'artifact_id',
        'in',
        doomed.slice(i, i + 500).map((a) => a.id),
      )
      .execute();
    tags.push(...rows.map((r) => r.name));
  }
  await gates.tagsChanging(trx, { repository, tags, change: 'delete' });
}

/**
 * The one way artifacts are deleted — by the registry, the API, retention and GC alike: the
 * roots with their accessories and orphaned index children, all or none, in the caller's
 * transaction. Quota is released, GC learns of the manifests, and every deleted artifact gets
 * a DELETE_ARTIFACT event and an audit row. Answers what was deleted, roots first.
 */
export async function deleteArtifacts(
  trx: Executor,
  gates: GateRunner,
  repository: Repository,
  roots: readonly ArtifactRef[],
  actor: Actor,
  now: number,
): Promise<ArtifactRef[]> {
  const doomed = await planDeletion(trx, repository, roots);
  if (doomed.length === 0) return [];
  await checkDeletion(trx, gates, repository, doomed);
  await deleteArtifactRows(
    trx,
    gates,
    doomed.map((a) => a.id),
    now,
  );
  await recordEvents(
    trx,
    doomed.map((a) => ({
      type: 'DELETE_ARTIFACT',
      projectId: repository.project_id,
      repository: repository.name,
      digest: a.digest,
      tag: null,
      operator: actor.name,
      at: now,
    })),
  );
  await recordAudits(
    trx,
    doomed.map((a) => ({
      projectId: repository.project_id,
      operation: 'delete' as const,
      resourceType: 'artifact',
      resource: `${repository.name}@${a.digest}`,
      username: actor.name,
      clientIp: actor.ip ?? null,
      at: now,
    })),
  );
  return doomed;
}
