import type { Executor, ScanReportRow } from '../../platform/db/index.js';
import { isIndexMediaType } from '../../platform/lib/index.js';
import type { ScannerInfo } from '../engine.js';
import { SBOM_REPORT_MIME } from '../mime.js';
import { projectRegistration } from '../registrations/repo.js';
import { reportsOf, type SbomSummary } from './repo.js';

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

const STATUS_RANK = ['Success', 'Stopped', 'Error', 'Pending', 'Running'];

/** An index has no SBOM of its own: its images' generations, the least finished status, no digest. */
function combine(rows: readonly ScanReportRow[]): SbomOverview | undefined {
  if (rows.length === 0) return undefined;
  const first = overviewOf(rows[0]!);
  let status = 'Success';
  for (const row of rows) if (STATUS_RANK.indexOf(row.status) > STATUS_RANK.indexOf(status)) status = row.status;
  const start = Math.min(...rows.map((r) => r.start_time));
  const ends = rows.map((r) => r.end_time);
  const end = ends.every((e) => e !== null) ? Math.max(...(ends as number[])) : null;
  return {
    start_time: new Date(start).toISOString(),
    ...(end !== null ? { end_time: new Date(end).toISOString(), duration: Math.round((end - start) / 1000) } : {}),
    scan_status: status,
    report_id: first.report_id,
    ...(first.scanner ? { scanner: first.scanner } : {}),
  };
}

/**
 * `sbom_overview` of artifacts of one project, by digest, from the project scanner's SBOM
 * generations; artifacts never generated for are absent (Harbor leaves the field out).
 */
export async function sbomOverviews(
  db: Executor,
  projectId: number,
  artifacts: ReadonlyArray<{ id: number; digest: string; media_type: string }>,
): Promise<Map<string, SbomOverview>> {
  const out = new Map<string, SbomOverview>();
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
  const reports = await reportsOf(db, digests, registration.id, SBOM_REPORT_MIME);
  for (const artifact of artifacts) {
    const own = reports.get(artifact.digest);
    const overview = own
      ? overviewOf(own)
      : combine(
          (children.get(artifact.id) ?? []).flatMap((d) => {
            const row = reports.get(d);
            return row ? [row] : [];
          }),
        );
    if (overview) out.set(artifact.digest, overview);
  }
  return out;
}
