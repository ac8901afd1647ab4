import type { Executor, ScanReportRow } from '../../platform/db/index.js';
import type { ScannerInfo } from '../engine.js';
import { SBOM_REPORT_MIME } from '../mime.js';
import { leastFinished, overviewsByDigest, spanOf, type OverviewArtifact } from './by-artifact.js';
import type { SbomSummary } from './repo.js';

/** Harbor's SBOMOverview: the artifact's last SBOM generation. */
export interface SbomOverview {
  start_time: string;
  end_time?: string;
  scan_status: string;
  /** The `sbom.harbor` accessory's digest, once generated. */
  sbom_digest?: string;
  report_id: string;
  duration?: number;
  scanner?: ScannerInfo;
}

function parseSummary(row: ScanReportRow): Partial<SbomSummary> {
  if (!row.summary) return {};
  try {
    return JSON.parse(row.summary) as Partial<SbomSummary>;
  } catch {
    return {};
  }
}

function overviewOf(row: ScanReportRow): SbomOverview {
  const summary = parseSummary(row);
  return {
    start_time: new Date(row.start_time).toISOString(),
    ...(row.end_time !== null ? { end_time: new Date(row.end_time).toISOString(), duration: Math.round((row.end_time - row.start_time) / 1000) } : {}),
    scan_status: row.status,
    ...(typeof summary.sbom_digest === 'string' ? { sbom_digest: summary.sbom_digest } : {}),
    report_id: row.uuid,
    ...(summary.scanner ? { scanner: summary.scanner } : {}),
  };
}

/** An index has no SBOM of its own: its images' generations, the least finished status, no digest. */
function combine(rows: readonly ScanReportRow[]): SbomOverview | undefined {
  if (rows.length === 0) return undefined;
  const first = overviewOf(rows[0]!);
  const { start, end } = spanOf(rows);
  return {
    start_time: new Date(start).toISOString(),
    ...(end !== null ? { end_time: new Date(end).toISOString(), duration: Math.round((end - start) / 1000) } : {}),
    scan_status: leastFinished(rows.map((row) => row.status)),
    report_id: first.report_id,
    ...(first.scanner ? { scanner: first.scanner } : {}),
  };
}

/** `sbom_overview` of artifacts of one project, by digest, from the project scanner's SBOM generations. */
export function sbomOverviews(db: Executor, projectId: number, artifacts: readonly OverviewArtifact[]): Promise<Map<string, SbomOverview>> {
  return overviewsByDigest(db, projectId, artifacts, { mime: SBOM_REPORT_MIME, ofReport: overviewOf, ofIndex: combine });
}
