import type { Database, Executor } from '../../platform/db/index.js';
import { enqueue } from '../../platform/jobs/index.js';
import type { ExportCriteria } from './schema.js';
import { CVE_EXPORT_TASK, CVE_EXPORT_VENDOR, exportPath } from './task.js';

/** Exports listed per requester at most (Harbor's list is not paged). */
const MAX_LISTED = 100;

function withExecution(db: Executor) {
  return db
    .selectFrom('scan_exports as x')
    .innerJoin('executions as e', 'e.id', 'x.execution_id')
    .selectAll('x')
    .select(['e.status', 'e.trigger', 'e.start_time', 'e.end_time']);
}

export type ExportRow = Awaited<ReturnType<typeof findExport>> & object;

export function findExport(db: Executor, executionId: number) {
  return withExecution(db).where('x.execution_id', '=', executionId).executeTakeFirst();
}

export function exportsOf(db: Executor, requester: { kind: string; id: number }) {
  return withExecution(db)
    .where('x.requester_kind', '=', requester.kind)
    .where('x.requester_id', '=', requester.id)
    .orderBy('x.execution_id', 'desc')
    .limit(MAX_LISTED)
    .execute();
}

/** Queues an export and records who asked, in one transaction; answers the execution id. */
export function createExport(
  database: Database,
  request: { criteria: ExportCriteria; projectId: number; requester: { kind: string; id: number; name: string } },
  now: number,
): Promise<number> {
  return database.db.transaction().execute(async (trx) => {
    const execution = await enqueue(
      trx,
      {
        vendorType: CVE_EXPORT_VENDOR,
        trigger: 'MANUAL',
        extraAttrs: { job_name: request.criteria.job_name, user_name: request.requester.name },
        tasks: [{ kind: CVE_EXPORT_TASK, params: { criteria: request.criteria, project_id: request.projectId }, maxAttempts: 1 }],
      },
      now,
    );
    await trx
      .insertInto('scan_exports')
      .values({
        execution_id: execution,
        requester_kind: request.requester.kind,
        requester_id: request.requester.id,
        requester_name: request.requester.name,
        job_name: request.criteria.job_name,
        path: exportPath(execution),
        created_at: now,
      })
      .execute();
    return execution;
  });
}
