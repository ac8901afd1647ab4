import { enqueue } from '../../platform/jobs/index.js';
import type { Executor } from '../../platform/db/index.js';
import type { EventConsumer, OutboxEvent } from '../../platform/events/index.js';
import { selectedTags } from '../engine/filters.js';
import { destinationRepository } from '../engine/namespace.js';
import { policyOf, type ReplicationPolicy } from '../policies/schema.js';
import { REPLICATION_VENDOR } from '../policies/service.js';
import { COPY_ATTEMPTS, DELETE_TASK, startReplication, type RunScope } from './start.js';

type RepositoryEvent = OutboxEvent & { repository: string; digest: string };

/** What a pushed artifact amounts to for a policy: itself, or (an accessory) its subject, with tags and labels. */
async function scopeOf(db: Executor, event: RepositoryEvent, policy: ReplicationPolicy): Promise<RunScope | undefined> {
  const artifact = await db
    .selectFrom('artifacts')
    .innerJoin('repositories', 'repositories.id', 'artifacts.repository_id')
    .select(['artifacts.id', 'artifacts.digest', 'artifacts.media_type', 'artifacts.config_media_type', 'artifacts.subject_digest', 'artifacts.repository_id'])
    .where('repositories.name', '=', event.repository)
    .where('artifacts.digest', '=', event.digest)
    .executeTakeFirst();
  if (!artifact) return undefined;
  // A signature or SBOM pushed after its image goes with the image: the image's copy finds it.
  const root = artifact.subject_digest
    ? await db
        .selectFrom('artifacts')
        .select(['id', 'digest', 'media_type', 'config_media_type', 'subject_digest', 'repository_id'])
        .where('repository_id', '=', artifact.repository_id)
        .where('digest', '=', artifact.subject_digest)
        .executeTakeFirst()
    : artifact;
  if (!root) return undefined;
  const tags = (await db.selectFrom('tags').select('name').where('artifact_id', '=', root.id).execute()).map((t) => t.name);
  const labels = (
    await db
      .selectFrom('artifact_labels')
      .innerJoin('labels', 'labels.id', 'artifact_labels.label_id')
      .select('labels.name')
      .where('artifact_labels.artifact_id', '=', root.id)
      .execute()
  ).map((l) => l.name);
  const chosen = selectedTags(policy.filters, {
    repository: event.repository,
    mediaType: root.media_type,
    ...(root.config_media_type ? { configMediaType: root.config_media_type } : {}),
    tags,
    labels,
  });
  return chosen === undefined ? undefined : { repository: event.repository, digest: root.digest, tags: chosen };
}

/**
 * Event-based policies: a push here replicates what it pushed within seconds (a run scoped to that
 * artifact), and with `replicate_deletion` a delete here deletes the copy on the remote.
 */
export function replicationConsumer(): EventConsumer {
  return async (trx, events, now) => {
    const relevant = events.filter(
      (e): e is RepositoryEvent => (e.type === 'PUSH_ARTIFACT' || e.type === 'DELETE_ARTIFACT') && e.repository !== null && e.digest !== null,
    );
    if (relevant.length === 0) return;
    const rows = await trx
      .selectFrom('replication_policies')
      .selectAll()
      .where('trigger_type', '=', 'event_based')
      .where('enabled', '=', 1)
      .where('src_registry_id', 'is', null)
      .execute();
    if (rows.length === 0) return;
    const started = new Set<string>();
    for (const policy of rows.map(policyOf)) {
      for (const event of relevant) {
        if (event.type === 'DELETE_ARTIFACT') {
          if (
            !policy.replicateDeletion ||
            selectedTags(
              policy.filters.filter((f) => f.type === 'name'),
              { repository: event.repository, mediaType: '', tags: [] },
            ) === undefined
          )
            continue;
          const destination = destinationRepository(event.repository, policy.destNamespace, policy.destNamespaceReplaceCount);
          const task = { kind: DELETE_TASK, maxAttempts: COPY_ATTEMPTS, params: { policyId: policy.id, destinationRepository: destination, digest: event.digest } };
          await enqueue(trx, { vendorType: REPLICATION_VENDOR, vendorId: policy.id, trigger: 'EVENT', extraAttrs: { policy_id: policy.id }, tasks: [task] }, now);
          continue;
        }
        const scope = await scopeOf(trx, event, policy);
        if (!scope) continue;
        const key = `${policy.id} ${scope.repository}@${scope.digest}`;
        if (started.has(key)) continue;
        started.add(key);
        await startReplication(trx, { ...policy, singleActive: false }, 'EVENT', now, scope);
      }
    }
  };
}
