import { recordAudit } from '../../audit/index.js';
import { forUpdate, type Database, type Executor, type Repository } from '../../platform/db/index.js';
import { removeSchedule, type ScheduleHandler, type TaskContext, type TaskHandler } from '../../platform/jobs/index.js';
import { deleteTag, planDeletion, type ArtifactRef, type ContentService } from '../../content/index.js';
import type { Clock } from '../../platform/clock.js';
import type { Metrics } from '../../platform/metrics/index.js';
import { immutabilityOf } from '../immutability/index.js';
import { candidatesOf, findPolicy } from './repo.js';
import { RetentionMetrics } from './metrics.js';
import { decide, decisionTable, type Decision } from './rules.js';
import { startRun, TASK_KIND, VENDOR_TYPE, type RetentionTaskParams } from './service.js';
import { recordEvent } from '../../platform/events/index.js';

export interface RetentionJobDeps {
  database: Database;
  clock: Clock;
  content: ContentService;
  metrics: Metrics;
}

/** A decision with everything its deletion takes along: accessories, and an index's orphaned children. */
interface Planned {
  decision: Decision;
  doomed: ArtifactRef[];
}

/** Runs for manual and scheduled runs alike; a retried task recomputes from what is left, so it is idempotent. */
export function retentionTasks(deps: RetentionJobDeps): Record<string, TaskHandler> {
  const metrics = new RetentionMetrics(deps.metrics);
  return {
    [TASK_KIND]: async (context) => {
      const dryRun = (context.params as unknown as RetentionTaskParams).dryRun;
      try {
        const { result, summary } = await runRetentionTask(deps, context);
        metrics.finished('success', dryRun, { artifacts: summary.deleted, tags: summary.tagsRemoved });
        return result;
      } catch (err) {
        metrics.finished(context.signal.aborted ? 'stopped' : 'error', dryRun);
        throw err;
      }
    },
  };
}

/** A due policy schedule starts a run; the schedule of a policy that is gone goes too. */
export function retentionScheduleHandlers(): Record<string, ScheduleHandler> {
  const fire: ScheduleHandler = async (trx, schedule, now) => {
    const policy = await findPolicy(trx, Number(schedule.vendor_id));
    if (!policy) {
      await removeSchedule(trx, VENDOR_TYPE, Number(schedule.vendor_id));
      return;
    }
    await startRun(trx, policy, { dryRun: false, trigger: 'SCHEDULE', operator: 'scheduler' }, now);
  };
  return { [VENDOR_TYPE]: fire };
}

async function runRetentionTask(deps: RetentionJobDeps, context: TaskContext): Promise<{ result: Record<string, unknown>; summary: Summary }> {
  const params = context.params as unknown as RetentionTaskParams;
  const db = deps.database.db;
  const now = deps.clock.now();
  // A run that removes tags or artifacts is refused in read-only mode, before it plans anything.
  if (!params.dryRun) await deps.content.assertMayChange();
  const outcome = await db.transaction().execute(async (trx) => {
    const repository = await trx.selectFrom('repositories').selectAll().where('id', '=', params.repositoryId).executeTakeFirst();
    const planned = repository ? await plan(trx, repository, params, now) : [];
    if (repository && !params.dryRun) await apply(trx, deps.content, repository, planned, params.operator, now);
    // A stop request rolls the repository back whole rather than leaving it half done.
    if (context.signal.aborted) throw new Error('stopped');
    const summary = summarize(planned);
    await markDone(deps.database, trx, context.task.execution_id, context.task.id, summary, params, now);
    return { planned, summary };
  });
  const { planned, summary } = outcome;
  await context.log(`${params.dryRun ? 'dry run: ' : ''}retention of ${params.repository}`);
  for (const line of decisionTable(planned.map((p) => p.decision))) await context.log(line);
  await context.log(
    `${summary.total} artifacts: ${summary.retained} retained, ${summary.deleted} ${params.dryRun ? 'would be ' : ''}deleted, ${summary.tagsRemoved} tags ${params.dryRun ? 'would be ' : ''}removed`,
  );
  return { result: { repository: params.repository.slice(params.repository.indexOf('/') + 1), total: summary.total, retained: summary.retained }, summary };
}

async function plan(trx: Executor, repository: Repository, params: RetentionTaskParams, now: number): Promise<Planned[]> {
  const candidates = await candidatesOf(trx, repository.id);
  const immutable = await immutabilityOf(trx, params.projectId);
  const inside = repository.name.slice(repository.name.indexOf('/') + 1);
  const decisions = decide(params.rules, inside, candidates, (tag) => immutable(repository.name, tag), now);
  const out: Planned[] = [];
  for (const decision of decisions) {
    if (!decision.deleteArtifact) {
      out.push({ decision, doomed: [] });
      continue;
    }
    // What content's one deletion rule takes along: accessories and orphaned index children.
    const doomed = await planDeletion(trx, repository, [{ id: decision.candidate.id, digest: decision.candidate.digest }]);
    // An accessory's immutable tag keeps its subject too: nothing immutable is removed.
    const accessoryTags = await trx
      .selectFrom('tags')
      .select('name')
      .where(
        'artifact_id',
        'in',
        doomed
          .slice(1)
          .map((d) => d.id)
          .concat(-1),
      )
      .execute();
    const protectedTag = accessoryTags.find((t) => immutable(repository.name, t.name));
    if (protectedTag) {
      out.push({ decision: { ...decision, deleteArtifact: false, retainedTags: decision.candidate.tags, deletedTags: [] }, doomed: [] });
      continue;
    }
    out.push({ decision, doomed });
  }
  return out;
}

async function apply(trx: Executor, content: ContentService, repository: Repository, planned: readonly Planned[], operator: string, now: number): Promise<void> {
  for (const { decision, doomed } of planned) {
    for (const tag of decision.deletedTags) {
      await deleteTag(trx, repository.id, tag);
      await recordEvent(trx, {
        type: 'DELETE_TAG',
        projectId: repository.project_id,
        repository: repository.name,
        digest: decision.candidate.digest,
        tag,
        operator,
        at: now,
      });
      await recordAudit(trx, {
        projectId: repository.project_id,
        operation: 'delete',
        resourceType: 'tag',
        resource: `${repository.name}:${tag}`,
        username: operator,
        at: now,
      });
    }
    if (doomed.length > 0) await content.deleteArtifactsIn(trx, repository, [doomed[0]!], { name: operator }, now);
  }
}

interface Summary {
  total: number;
  retained: number;
  deleted: number;
  tagsRemoved: number;
}

function summarize(planned: readonly Planned[]): Summary {
  const deleted = planned.filter((p) => p.decision.deleteArtifact).length;
  return {
    total: planned.length,
    retained: planned.length - deleted,
    deleted,
    tagsRemoved: planned.reduce((n, p) => n + (p.decision.deleteArtifact ? p.decision.candidate.tags.length : p.decision.deletedTags.length), 0),
  };
}

/**
 * Adds the task's counts to its execution, under a lock on the execution row so tasks
 * finishing together count each other; the last one writes the run's TAG_RETENTION event.
 */
async function markDone(
  database: Database,
  trx: Executor,
  executionId: number,
  taskId: number,
  summary: Summary,
  params: RetentionTaskParams,
  now: number,
): Promise<void> {
  const row = await forUpdate(trx.selectFrom('executions').select('extra_attrs').where('id', '=', executionId), database.dialect).executeTakeFirst();
  if (!row) return;
  const attrs = JSON.parse(row.extra_attrs) as { done_tasks?: number[]; total?: number; retained?: number; deleted?: number; tags_removed?: number };
  const done = attrs.done_tasks ?? [];
  if (done.includes(taskId)) return;
  done.push(taskId);
  const merged = {
    ...attrs,
    done_tasks: done,
    total: (attrs.total ?? 0) + summary.total,
    retained: (attrs.retained ?? 0) + summary.retained,
    deleted: (attrs.deleted ?? 0) + summary.deleted,
    tags_removed: (attrs.tags_removed ?? 0) + summary.tagsRemoved,
  };
  await trx
    .updateTable('executions')
    .set({ extra_attrs: JSON.stringify(merged), update_time: now })
    .where('id', '=', executionId)
    .execute();
  const tasks = await trx
    .selectFrom('tasks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('execution_id', '=', executionId)
    .executeTakeFirstOrThrow();
  if (params.dryRun || done.length !== Number(tasks.n)) return;
  await recordEvent(trx, { type: 'TAG_RETENTION', projectId: params.projectId, repository: null, operator: params.operator, at: now });
}
