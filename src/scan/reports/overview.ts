import type { Executor, ScanReportRow } from '../../platform/db/index.js';
import { REPORT_MIME } from '../mime.js';
import { leastFinished, overviewsByDigest, spanOf, type OverviewArtifact } from './by-artifact.js';
import type { StoredSummary } from './repo.js';
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

/** An index's overview: its images' reports summed, the worst severity, the least finished status. */
function combine(rows: readonly ScanReportRow[]): NativeReportSummary | undefined {
  if (rows.length === 0) return undefined;
  const parts = rows.map(reportSummary);
  const first = parts[0]!;
  let summary: VulnerabilitySummary | undefined;
  let severity = 'None';
  for (const part of parts) {
    if (part.summary) summary = summary ? addSummaries(summary, part.summary) : part.summary;
    if (part.severity) severity = worseSeverity(severity, part.severity);
  }
  const status = leastFinished(parts.map((part) => part.scan_status));
  const { start, end } = spanOf(rows);
  const done = parts.filter((part) => part.scan_status === 'Success').length;
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

/** `scan_overview` of artifacts of one project, by artifact digest, from the project's scanner's reports. */
export async function scanOverviews(db: Executor, projectId: number, artifacts: readonly OverviewArtifact[]): Promise<Map<string, ScanOverview>> {
  const summaries = await overviewsByDigest(db, projectId, artifacts, { mime: REPORT_MIME, ofReport: reportSummary, ofIndex: combine });
  return new Map([...summaries].map(([digest, summary]) => [digest, { [REPORT_MIME]: summary }]));
}
