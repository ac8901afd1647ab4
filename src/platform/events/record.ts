import type { Executor } from '../db/index.js';

/** A change, as the outbox keeps it for its consumers (webhooks, later scanning and replication). */
export interface ChangeEvent {
  type: string;
  projectId: number | null;
  /** Full repository name, `project/repo`. */
  repository: string | null;
  digest?: string | null;
  tag?: string | null;
  /** The execution an execution's end event is about. */
  executionId?: number | null;
  operator: string;
  at: number;
}

/** Rows per INSERT: far under both engines' bound-parameter limits. */
const ROWS_PER_INSERT = 100;

/** Writes events in the caller's transaction, so they exist exactly when the change commits. */
export async function recordEvents(trx: Executor, events: readonly ChangeEvent[]): Promise<void> {
  const rows = events.map((e) => ({
    type: e.type,
    project_id: e.projectId,
    repository: e.repository,
    digest: e.digest ?? null,
    tag: e.tag ?? null,
    execution_id: e.executionId ?? null,
    operator: e.operator,
    created_at: e.at,
  }));
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT)
    await trx
      .insertInto('events')
      .values(rows.slice(i, i + ROWS_PER_INSERT))
      .execute();
}

export function recordEvent(trx: Executor, event: ChangeEvent): Promise<void> {
  return recordEvents(trx, [event]);
}
