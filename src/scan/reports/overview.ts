import { isIndexMediaType } from '../../platform/lib/index.js';
import type { Executor, ScanReportRow } from '../../platform/db/index.js';
import { REPORT_MIME } from '../mime.js';
import { projectRegistration } from '../registrations/repo.js';
import { reportsOf, type StoredSummary } from './repo.js';
import { addSummaries, worseSeverity, type VulnerabilitySummary } from './summary.js';

/** Harbor's NativeReportSummary: one entry of `scan_overview`. */
export interface NativeReportSummary {
  report_id: string;
  scan_status: string;
  severity?: string;
  duration?: number;
  summary?: VulnerabilitySummary;
  start_time: string;
  end_time?: string;
  complete_percent: number;
  scanner?: { name: string; vendor: string; version: string };
}

/** Harbor's ScanOverview: summaries by report MIME type. */
export type ScanOverview = Record<string, NativeReportSummary>;

function parseSummary(row: ScanReportRow): StoredSummary | undefined {
  if (!row.summary) return undefined;
  try {
    return JSON.parse(row.summary) as StoredSummary;
  } catch {
    return undefined;
  }
}

export function reportSummary(row: ScanReportRow): NativeReportSummary {
  const stored = parseSummary(row);
  const done = row.status === 'Success';
  return {
    report_id: row.uuid,
    scan_status: row.status,
    ...(done ? { severity: row.severity } : {}),
    ...(row.end_time !== null ? { duration: Math.round((row.end_time - row.start_time) / 1000) } : {}),
    ...(stored ? { summary: { total: stored.total, fixable: stored.fixable, summary: stored.summary } } : {}),
    start_time: new Date(row.start_time).toISOString(),
    ...(row.end_time !== null ? { end_time: new Date(row.end_time).toISOString() } : {}),
    complete_percent: done ? 100 : 0,
    ...(stored?.scanner ? { scanner: stored.scanner } : {}),
  };
}

const STATUS_RANK = ['Success', 'Stopped', 'Error', 'Pending', 'Running'];

/** An index's overview: its images' reports summed, the worst severity, the least finished status. */
function combine(rows: readonly ScanReportRow[]): NativeReportSummary | undefined {
  if (rows.length === 0) return undefined;
  const parts = rows.map(reportSummary);
  const first = parts[0]!;
  let summary: VulnerabilitySummary | undefined;
  let severity = 'None';
  let status = 'Success';
  let done = 0;
  for (const part of parts) {
    if (part.summary) summary = summary ? addSummaries(summary, part.summary) : part.summary;
    if (part.severity) severity = worseSeverity(severity, part.severity);
    if (STATUS_RANK.indexOf(part.scan_status) > STATUS_RANK.indexOf(status)) status = part.scan_status;
    if (part.scan_status === 'Success') done++;
  }
  const start = Math.min(...rows.map((r) => r.start_time));
  const ends = rows.map((r) => r.end_time);
  const end = ends.every((e) => e !== null) ? Math.max(...(ends as number[])) : null;
  return {
    report_id: first.report_id,
    scan_status: status,
    ...(status === 'Success' ? { severity } : {}),
    ...(end !== null ? { duration: Math.round((end - start) / 1000), end_time: new Date(end).toISOString() } : {}),
    ...(summary ? { summary } : {}),
    start_time: new Date(start).toISOString(),
    complete_percent: Math.round((done / rows.length) * 100),
    ...(first.scanner ? { scanner: first.scanner } : {}),
  };
}

/**
 * `scan_overview` of artifacts of one project, by artifact digest, from the project's scanner's
 * reports; artifacts never scanned are absent (Harbor leaves the field out).
 */
export async function scanOverviews(
  db: Executor,
  projectId: number,
  artifacts: ReadonlyArray<{ id: number; digest: string; media_type: string }>,
): Promise<Map<string, ScanOverview>> {
  const out = new Map<string, ScanOverview>();
  if (artifacts.length === 0) return out;
  const registration = await projectRegistration(db, projectId);
  if (!registration) return out;
  const indexes = artifacts.filter((a) => isIndexMediaType(a.media_type));
  const children = new Map<number, string[]>();
  if (indexes.length > 0) {
    const rows = await db
      .selectFrom('artifact_references')
      .select(['artifact_id', 'child_digest'])
      .where(
        'artifact_id',
        'in',
        indexes.map((a) => a.id),
      )
      .where('child_kind', '=', 'manifest')
      .execute();
    for (const row of rows) children.set(row.artifact_id, [...(children.get(row.artifact_id) ?? []), row.child_digest]);
  }
  const digests = [...new Set([...artifacts.map((a) => a.digest), ...[...children.values()].flat()])];
  const reports = await reportsOf(db, digests, registration.id, REPORT_MIME);
  for (const artifact of artifacts) {
    const own = reports.get(artifact.digest);
    const summary = own
      ? reportSummary(own)
      : combine(
          (children.get(artifact.id) ?? []).flatMap((d) => {
            const row = reports.get(d);
            return row ? [row] : [];
          }),
        );
    if (summary) out.set(artifact.digest, { [REPORT_MIME]: summary });
  }
  return out;
}
