import { appendTasks, FinalTaskError, type ScheduleHandler, type TaskContext, type TaskHandler } from '../../platform/jobs/index.js';
import { Copier, Placements } from '../engine/copier.js';
import { CheckpointedUploads } from './checkpoint.js';
import { sourceSelection } from './source-selection.js';
import { destinationRepository } from '../engine/namespace.js';
import { policyOf, type ReplicationPolicy } from '../policies/schema.js';
import { activeRun, REPLICATION_VENDOR } from '../policies/service.js';
import { localSelection, type Selected } from './candidates.js';
import { prepareHarborProject } from './destination-project.js';
import { remoteEndpoint, sidesOf, type EndpointDeps } from './endpoints.js';
import { COPY_ATTEMPTS, COPY_TASK, DELETE_TASK, PLAN_TASK, startReplication, type CopyParams, type RunScope } from './start.js';
import type { Clock } from '../../platform/clock.js';

export interface RunDeps extends EndpointDeps {
  clock: Clock;
  /** Shared by every copy task of the app, so the tasks of a run mount what another already sent. */
  placements: Placements;
}

const TASKS_PER_INSERT = 200;

async function loadPolicy(deps: RunDeps, id: number): Promise<ReplicationPolicy> {
  const row = await deps.database.db.selectFrom('replication_policies').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new FinalTaskError(`replication policy ${id} no longer exists`);
  return policyOf(row);
}

/** Lists what the run copies and adds one copy task per artifact to the execution. */
async function plan(deps: RunDeps, context: TaskContext): Promise<Record<string, unknown>> {
  const policy = await loadPolicy(deps, Number(context.params.policyId));
  const scope = context.params.scope as RunScope | undefined;
  let selected: Selected[];
  if (scope) selected = [scope];
  else if (policy.srcRegistryId !== null) {
    selected = await sourceSelection(deps, policy.srcRegistryId, policy.filters, context.signal);
  } else selected = await localSelection(deps.database.db, policy.filters);
  await context.log(`policy ${policy.name}: ${selected.length} artifact(s) to replicate`);
  const tasks = selected.map((s) => ({
    kind: COPY_TASK,
    maxAttempts: COPY_ATTEMPTS,
    params: {
      policyId: policy.id,
      sourceRepository: s.repository,
      digest: s.digest,
      tags: s.tags,
      destinationRepository: destinationRepository(s.repository, policy.destNamespace, policy.destNamespaceReplaceCount),
    } satisfies CopyParams,
  }));
  const now = deps.clock.now();
  for (let i = 0; i < tasks.length; i += TASKS_PER_INSERT)
    await deps.database.db.transaction().execute((trx) => appendTasks(trx, context.execution.id, tasks.slice(i, i + TASKS_PER_INSERT), now));
  return { artifacts: selected.length };
}

/** Copies one artifact (with its index children and accessories) and says what it moved. */
async function copy(deps: RunDeps, context: TaskContext): Promise<Record<string, unknown>> {
  const params = context.params as unknown as CopyParams;
  const policy = await loadPolicy(deps, params.policyId);
  const { source, destination } = await sidesOf(deps, policy);
  if (policy.destRegistryId !== null) {
    const created = await prepareHarborProject(deps, policy.destRegistryId, params.sourceRepository, params.destinationRepository);
    if (created) await context.log(`created project ${created} on ${destination.name}`);
  }
  const lines: string[] = [];
  const uploads = new CheckpointedUploads(context);
  const result = await new Copier(deps.placements)
    .copy({
      source,
      sourceRepository: params.sourceRepository,
      destination,
      destinationRepository: params.destinationRepository,
      digest: params.digest,
      tags: params.tags,
      override: policy.override,
      ...(policy.speed > 0 ? { bytesPerSecond: policy.speed * 1024 } : {}),
      log: (line) => lines.push(line),
      signal: context.signal,
      uploads,
    })
    .finally(() => uploads.settled());
  for (const line of lines) await context.log(line);
  const tags = params.tags.length > 0 ? `:[${params.tags.join(',')}]` : `@${params.digest}`;
  await context.log(
    `copied ${source.name} ${params.sourceRepository}${tags} to ${destination.name} ${params.destinationRepository}${tags}: ${result.manifests} manifest(s), ${result.blobsCopied} blob(s) sent (${result.bytesSent} bytes), ${result.blobsPresent} already there`,
  );
  return {
    resource_type: 'artifact',
    src_resource: `${params.sourceRepository}${tags}`,
    dst_resource: `${params.destinationRepository}${tags}`,
    operation: 'copy',
    bytes_sent: result.bytesSent,
    blobs_copied: result.blobsCopied,
    blobs_present: result.blobsPresent,
    tags_kept: result.tagsSkipped,
  };
}

/** Deletes on the remote what a delete here took away (`replicate_deletion`). */
async function remove(deps: RunDeps, context: TaskContext): Promise<Record<string, unknown>> {
  const policy = await loadPolicy(deps, Number(context.params.policyId));
  if (policy.destRegistryId === null) throw new FinalTaskError('only push policies replicate deletions');
  const repository = String(context.params.destinationRepository);
  const digest = String(context.params.digest);
  const { endpoint, client } = await remoteEndpoint(deps, policy.destRegistryId);
  await client.deleteManifest(repository, digest);
  await context.log(`deleted ${repository}@${digest} on ${endpoint.name}`);
  return { resource_type: 'artifact', src_resource: `${repository}@${digest}`, dst_resource: `${repository}@${digest}`, operation: 'deletion' };
}

export function replicationTasks(deps: RunDeps): Record<string, TaskHandler> {
  return { [PLAN_TASK]: (context) => plan(deps, context), [COPY_TASK]: (context) => copy(deps, context), [DELETE_TASK]: (context) => remove(deps, context) };
}

/** A scheduled policy's cron fires a run (the policy gone or disabled, its schedule goes too). */
export function replicationScheduleHandlers(): Record<string, ScheduleHandler> {
  const fire: ScheduleHandler = async (trx, schedule, now) => {
    const row = await trx.selectFrom('replication_policies').selectAll().where('id', '=', Number(schedule.vendor_id)).executeTakeFirst();
    if (!row || row.enabled !== 1) return;
    const policy = policyOf(row);
    const active = await activeRun(trx, policy.id);
    // A run still going when the next fires is left to finish: runs of one policy do not pile up.
    if (active) return;
    await startReplication(trx, policy, 'SCHEDULE', now);
  };
  return { [REPLICATION_VENDOR]: fire };
}
