import { randomUUID } from 'node:crypto';
import type { Executor, ScanReportRow } from '../../platform/db/index.js';
import type { ScannerInfo } from '../engine.js';
import type { VulnerabilityReport } from '../report/types.js';
import { deleteReportItems, indexReportItems } from './items.js';
import { overallSeverity, summarize, vulnerabilityIndex, type VulnerabilitySummary } from './summary.js';

export type ReportStatus = 'Pending' | 'Running' | 'Success' | 'Error' | 'Stopped';

/** What the summary column keeps: the counts, and the scanner that made the report. */
export interface StoredSummary extends VulnerabilitySummary {
  scanner?: ScannerInfo;
}

/**
 * Starts a scan's report: the one row of (digest, registration, MIME type) is reset to Pending
 * under a new report id, so a rescan replaces the last report instead of adding one.
 */
export async function resetReport(trx: Executor, digest: string, registrationId: number, mime: string, now: number): Promise<string> {
  const uuid = randomUUID();
  const fresh = {
    uuid,
    status: 'Pending',
    status_message: '',
    severity: '',
    summary: '',
    report: '',
    vulnerabilities: '',
    task_id: null,
    start_time: now,
    end_time: null,
  };
  const row = await trx
    .insertInto('scan_reports')
    .values({ digest, registration_id: registrationId, mime_type: mime, ...fresh })
    .onConflict((oc) => oc.columns(['digest', 'registration_id', 'mime_type']).doUpdateSet(fresh))
    .returning('id')
    .executeTakeFirstOrThrow();
  // The security hub shows no items of a report being redone.
  await deleteReportItems(trx, row.id);
  return uuid;
}

export async function attachTask(trx: Executor, uuid: string, taskId: number): Promise<void> {
  await trx.updateTable('scan_reports').set({ task_id: taskId }).where('uuid', '=', uuid).execute();
}

export function findReport(db: Executor, uuid: string): Promise<ScanReportRow | undefined> {
  return db.selectFrom('scan_reports').selectAll().where('uuid', '=', uuid).executeTakeFirst();
}

/** Marks the report running; false when it was replaced meanwhile (a newer scan owns the row). */
export async function markRunning(db: Executor, uuid: string, now: number): Promise<boolean> {
  const result = await db.updateTable('scan_reports').set({ status: 'Running', start_time: now }).where('uuid', '=', uuid).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function storeReport(db: Executor, uuid: string, report: VulnerabilityReport, now: number): Promise<void> {
  const summary: StoredSummary = { ...summarize(report), scanner: report.scanner };
  const row = await db
    .updateTable('scan_reports')
    .set({
      status: 'Success',
      status_message: '',
      severity: overallSeverity(report),
      summary: JSON.stringify(summary),
      report: JSON.stringify(report),
      vulnerabilities: JSON.stringify(vulnerabilityIndex(report)),
      end_time: now,
    })
    .where('uuid', '=', uuid)
    .returning('id')
    .executeTakeFirst();
  if (row) await indexReportItems(db, row.id, report);
}

/** What an SBOM generation's report row keeps (Harbor's sbom_report summary). */
export interface SbomSummary {
  sbom_digest: string;
  sbom_repository: string;
  scanner: ScannerInfo;
}

export async function storeSbomSummary(db: Executor, uuid: string, summary: SbomSummary, now: number): Promise<void> {
  const text = JSON.stringify(summary);
  await db.updateTable('scan_reports').set({ status: 'Success', status_message: '', summary: text, report: text, end_time: now }).where('uuid', '=', uuid).execute();
}

export async function endReport(db: Executor, uuid: string, status: 'Error' | 'Stopped', message: string, now: number): Promise<void> {
  await db
    .updateTable('scan_reports')
    .set({ status, status_message: message.slice(0, 2000), end_time: now })
    .where('uuid', '=', uuid)
    .where('status', 'in', ['Pending', 'Running'])
    .execute();
}

/** The reports of these digests by one registration and MIME type, by digest. */
export async function reportsOf(db: Executor, digests: readonly string[], registrationId: number, mime: string): Promise<Map<string, ScanReportRow>> {
  const out = new Map<string, ScanReportRow>();
  for (let i = 0; i < digests.length; i += 500) {
    const rows = await db
      .selectFrom('scan_reports')
      .selectAll()
      .where('digest', 'in', digests.slice(i, i + 500))
      .where('registration_id', '=', registrationId)
      .where('mime_type', '=', mime)
      .execute();
    for (const row of rows) out.set(row.digest, row);
  }
  return out;
}

/** Reports of digests no artifact holds any more (an artifact's digest may live on in other repositories). */
export async function deleteOrphanReports(trx: Executor, digests: readonly string[]): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < digests.length; i += 500) {
    const batch = digests.slice(i, i + 500);
    const kept = new Set((await trx.selectFrom('artifacts').select('digest').where('digest', 'in', batch).execute()).map((r) => r.digest));
    const gone = batch.filter((d) => !kept.has(d));
    if (gone.length === 0) continue;
    const result = await trx.deleteFrom('scan_reports').where('digest', 'in', gone).executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}
