import { setTimeout as sleep } from 'node:timers/promises';
import type { Database, Dialect, Executor, ScannerRegistrationRow } from '../../platform/db/index.js';
import { lockForTransaction } from '../../platform/db/index.js';
import { enqueue, refreshExecution, type ScheduleHandler, type TaskHandler, type Trigger } from '../../platform/jobs/index.js';
import type { Clock } from '../../platform/clock.js';
import { REPORT_MIME, SCANNABLE_MANIFESTS } from '../mime.js';
import { projectRegistration } from '../registrations/repo.js';
import { attachTask, resetReport } from '../reports/repo.js';
import { SCAN_TASK, type ScanTaskParams } from '../jobs/plan.js';

export const SCAN_ALL_VENDOR = 'SCAN_ALL';
/** The one task of a scan-all execution that walks the artifacts and queues their scans into it. */
export const SCAN_ALL_TASK = 'scan-all-plan';

export interface ScanAllLimits {
  /** Artifacts read and queued per batch. */
  batchSize: number;
  /** Scans of the execution waiting at most: the planner waits for the workers before queuing more. */
  maxPending: number;
  /** How long the planner sleeps between looks at the queue while it is full. */
  pollMs: number;
}

export const DEFAULT_SCAN_ALL_LIMITS: ScanAllLimits = { batchSize: 100, maxPending: 200, pollMs: 500 };

export class ScanAllRunningError extends Error {
  constructor() {
    super('a scan of all artifacts is already pending or running');
  }
}

/** The latest scan-all execution, or only those a trigger started. */
export function latestScanAll(db: Executor, trigger?: Trigger) {
  let query = db.selectFrom('executions').selectAll().where('vendor_type', '=', SCAN_ALL_VENDOR);
  if (trigger) query = query.where('trigger', '=', trigger);
  return query.orderBy('id', 'desc').limit(1).executeTakeFirst();
}

/** Queues a scan-all unless one is pending or running (one at a time across instances). */
export async function startScanAll(trx: Executor, dialect: Dialect, trigger: Trigger, operator: string, now: number): Promise<number> {
  await lockForTransaction(trx, dialect, 'berth:scan-all');
  const active = await trx
    .selectFrom('executions')
    .select('id')
    .where('vendor_type', '=', SCAN_ALL_VENDOR)
    .where('status', 'in', ['Pending', 'Running'])
    .executeTakeFirst();
  if (active) throw new ScanAllRunningError();
  return enqueue(
    trx,
    { vendorType: SCAN_ALL_VENDOR, trigger, extraAttrs: { operator }, tasks: [{ kind: SCAN_ALL_TASK, params: { operator }, maxAttempts: 3 }] },
    now,
  );
}

interface Candidate {
  id: number;
  digest: string;
  media_type: string;
  repository: string;
  project_id: number;
  project_name: string;
}

/** The next image manifests after `cursor`, by artifact id: never more than one batch in memory. */
function nextCandidates(db: Executor, cursor: number, limit: number): Promise<Candidate[]> {
  return db
    .selectFrom('artifacts as a')
    .innerJoin('repositories as r', 'r.id', 'a.repository_id')
    .innerJoin('projects as p', 'p.id', 'r.project_id')
    .select(['a.id', 'a.digest', 'a.media_type', 'r.name as repository', 'p.id as project_id', 'p.name as project_name'])
    .where('a.id', '>', cursor)
    .where('a.media_type', 'in', SCANNABLE_MANIFESTS)
    .where((eb) => eb.or([eb('a.type', 'is', null), eb('a.type', '=', 'IMAGE')]))
    .orderBy('a.id')
    .limit(limit)
    .execute();
}

async function pendingScans(db: Executor, executionId: number): Promise<number> {
  const row = await db
    .selectFrom('tasks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('execution_id', '=', executionId)
    .where('kind', '=', SCAN_TASK)
    .where('status', 'in', ['Pending', 'Running'])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The planner: walks the image manifests by id in batches and adds one scan task per
 * manifest to its own execution, so the execution's tasks are the scan-all's progress. It
 * waits while `maxPending` scans are queued (the workers' concurrency bounds the running
 * ones), and keeps its cursor in the execution so a retried attempt continues.
 */
export function scanAllTasks(deps: { database: Database; clock: Clock; limits?: ScanAllLimits }): Record<string, TaskHandler> {
  const limits = deps.limits ?? DEFAULT_SCAN_ALL_LIMITS;
  const run: TaskHandler = async ({ execution, params, signal, log }) => {
    const db = deps.database.db;
    const operator = typeof params.operator === 'string' ? params.operator : '';
    const attrs = JSON.parse(execution.extra_attrs) as { cursor?: unknown };
    let cursor = typeof attrs.cursor === 'number' ? attrs.cursor : 0;
    let queued = 0;
    let skipped = 0;
    const registrations = new Map<number, ScannerRegistrationRow | undefined>();
    await log(`scan all: queuing scans of image artifacts${cursor > 0 ? ` after artifact ${cursor}` : ''}`);
    for (;;) {
      while (!signal.aborted && (await pendingScans(db, execution.id)) >= limits.maxPending)
        await sleep(limits.pollMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) break;
      const batch = await nextCandidates(db, cursor, limits.batchSize);
      if (batch.length === 0) break;
      const now = deps.clock.now();
      await db.transaction().execute(async (trx) => {
        for (const artifact of batch) {
          if (!registrations.has(artifact.project_id)) registrations.set(artifact.project_id, await projectRegistration(trx, artifact.project_id));
          const registration = registrations.get(artifact.project_id);
          if (!registration || registration.disabled === 1) {
            skipped++;
            continue;
          }
          const uuid = await resetReport(trx, artifact.digest, registration.id, REPORT_MIME, now);
          const task: ScanTaskParams = {
            project_id: artifact.project_id,
            project_name: artifact.project_name,
            repository: artifact.repository,
            digest: artifact.digest,
            media_type: artifact.media_type,
            registration_id: registration.id,
            report_uuid: uuid,
            operator,
          };
          const inserted = await trx
            .insertInto('tasks')
            .values({
              execution_id: execution.id,
              kind: SCAN_TASK,
              params: JSON.stringify(task),
              status: 'Pending',
              max_attempts: 1,
              run_after: now,
              created_at: now,
              update_time: now,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          await attachTask(trx, uuid, inserted.id);
          queued++;
        }
        cursor = batch.at(-1)?.id ?? cursor;
        const current = await trx.selectFrom('executions').select('extra_attrs').where('id', '=', execution.id).executeTakeFirst();
        const merged = { ...(JSON.parse(current?.extra_attrs ?? '{}') as object), cursor };
        await trx
          .updateTable('executions')
          .set({ extra_attrs: JSON.stringify(merged), update_time: now })
          .where('id', '=', execution.id)
          .execute();
        await refreshExecution(trx, execution.id, now);
      });
      // Registrations may change between batches; a project's choice is read again.
      registrations.clear();
      if (batch.length < limits.batchSize) break;
    }
    await log(`scan all: ${queued} scans queued, ${skipped} artifacts without an enabled scanner skipped${signal.aborted ? ' (stopped)' : ''}`);
    return { queued, skipped };
  };
  return { [SCAN_ALL_TASK]: run };
}

/** What the scan-all schedule does when due: start a run, or skip the turn while one is going. */
export function scanAllScheduleHandlers(deps: { database: Database }): Record<string, ScheduleHandler> {
  const fire: ScheduleHandler = async (trx, _schedule, now) => {
    try {
      await startScanAll(trx, deps.database.dialect, 'SCHEDULE', 'system', now);
    } catch (err) {
      if (!(err instanceof ScanAllRunningError)) throw err;
    }
  };
  return { [SCAN_ALL_VENDOR]: fire };
}
