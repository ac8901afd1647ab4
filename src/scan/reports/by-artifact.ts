import type { Executor, ScanReportRow } from '../../platform/db/index.js';
import { isIndexMediaType } from '../../platform/lib/index.js';
import { projectRegistration } from '../registrations/repo.js';
import { reportsOf } from './repo.js';

/** The artifacts an overview is asked for: an index's overview is made from its images' reports. */
export type OverviewArtifact = { id: number; digest: string; media_type: string };

/** How one kind of overview reads a report, and what it makes of an index's images' reports. */
export interface OverviewShape<T> {
  mime: string;
  ofReport(row: ScanReportRow): T;
  ofIndex(rows: readonly ScanReportRow[]): T | undefined;
}

const STATUS_RANK = ['Success', 'Stopped', 'Error', 'Pending', 'Running'];

/** The least finished of several scans' statuses: one running image keeps its index running. */
export function leastFinished(statuses: readonly string[]): string {
  let status = 'Success';
  for (const s of statuses) if (STATUS_RANK.indexOf(s) > STATUS_RANK.indexOf(status)) status = s;
  return status;
}

/** When several scans ran: the first start, and the last end once all have ended. */
export function spanOf(rows: readonly ScanReportRow[]): { start: number; end: number | null } {
  const start = Math.min(...rows.map((r) => r.start_time));
  const ends = rows.map((r) => r.end_time);
  return { start, end: ends.every((e) => e !== null) ? Math.max(...(ends as number[])) : null };
}

/**
 * One overview per artifact of a project, by digest, from the project scanner's reports of one
 * MIME type; an index without a report of its own is summed from its images'. Artifacts with no
 * report at all are absent (Harbor leaves the field out).
 */
export async function overviewsByDigest<T>(
  db: Executor,
  projectId: number,
  artifacts: readonly OverviewArtifact[],
  shape: OverviewShape<T>,
): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  if (artifacts.length === 0) return out;
  const registration = await projectRegistration(db, projectId);
  if (!registration) return out;
  const children = await imagesOfIndexes(db, artifacts);
  const digests = [...new Set([...artifacts.map((a) => a.digest), ...[...children.values()].flat()])];
  const reports = await reportsOf(db, digests, registration.id, shape.mime);
  for (const artifact of artifacts) {
    const own = reports.get(artifact.digest);
    const overview = own ? shape.ofReport(own) : shape.ofIndex((children.get(artifact.id) ?? []).flatMap((digest) => reports.get(digest) ?? []));
    if (overview !== undefined) out.set(artifact.digest, overview);
  }
  return out;
}

async function imagesOfIndexes(db: Executor, artifacts: readonly OverviewArtifact[]): Promise<Map<number, string[]>> {
  const children = new Map<number, string[]>();
  const indexes = artifacts.filter((a) => isIndexMediaType(a.media_type));
  if (indexes.length === 0) return children;
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
  return children;
}
