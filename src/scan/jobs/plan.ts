import type { Artifact, Executor, ScannerRegistrationRow } from '../../platform/db/index.js';
import { ConflictError, UnprocessableError } from '../../platform/errors/index.js';
import { isIndexMediaType } from '../../platform/lib/index.js';
import { enqueue, tasksOf, type Trigger } from '../../platform/jobs/index.js';
import { REPORT_MIME, SBOM_REPORT_MIME, SCANNABLE_MANIFESTS } from '../mime.js';
import { attachTask, resetReport } from '../reports/repo.js';

export const SCAN_VENDOR = 'IMAGE_SCAN';
export const SCAN_TASK = 'image-scan';
/** Harbor's job service vendor type for SBOM generation. */
export const SBOM_VENDOR = 'SBOM';
export const SBOM_TASK = 'sbom-generate';

/** Harbor's ScanType: a vulnerability scan, or an SBOM generation. */
export type ScanType = 'vulnerability' | 'sbom';

const KINDS: Record<ScanType, { vendor: string; task: string; mime: string }> = {
  vulnerability: { vendor: SCAN_VENDOR, task: SCAN_TASK, mime: REPORT_MIME },
  sbom: { vendor: SBOM_VENDOR, task: SBOM_TASK, mime: SBOM_REPORT_MIME },
};

/** What one scan task is given. */
export interface ScanTaskParams {
  project_id: number;
  project_name: string;
  repository: string;
  digest: string;
  tag?: string;
  media_type: string;
  registration_id: number;
  report_uuid: string;
  operator: string;
}

/** The manifests listed by an index that this repository holds, as artifact rows. */
export async function childManifests(db: Executor, artifact: Pick<Artifact, 'id' | 'repository_id'>): Promise<Artifact[]> {
  return db
    .selectFrom('artifact_references as r')
    .innerJoin('artifacts as a', (join) => join.onRef('a.digest', '=', 'r.child_digest').on('a.repository_id', '=', artifact.repository_id))
    .selectAll('a')
    .where('r.artifact_id', '=', artifact.id)
    .where('r.child_kind', '=', 'manifest')
    .orderBy('a.id')
    .limit(256)
    .execute();
}

function scannable(artifact: Pick<Artifact, 'media_type' | 'type'>): boolean {
  return SCANNABLE_MANIFESTS.includes(artifact.media_type) && (artifact.type === null || artifact.type === 'IMAGE');
}

/**
 * Queues the scan of an artifact by a registration: one execution, one task per image
 * manifest (the artifact, or each platform image of an index, as Harbor scans children and
 * summarises the index). Each manifest's report row is reset now, so the overview shows
 * Pending at once and a rescan replaces the previous report.
 */
export async function startScan(
  trx: Executor,
  request: {
    project: { id: number; name: string };
    repository: string;
    artifact: Artifact;
    tag?: string | undefined;
    registration: ScannerRegistrationRow;
    trigger: Trigger;
    operator: string;
    /** vulnerability unless said otherwise. */
    scanType?: ScanType;
  },
  now: number,
): Promise<number> {
  const { artifact, registration } = request;
  const kind = KINDS[request.scanType ?? 'vulnerability'];
  if (registration.disabled === 1) throw new UnprocessableError('input', `scanner ${registration.name} is disabled`);
  // As Harbor: one SBOM generation of an artifact at a time (a scan may be restarted; that replaces its report).
  if (request.scanType === 'sbom' && (await activeScans(trx, request.repository, artifact.digest, SBOM_VENDOR)).length > 0)
    throw new ConflictError('artifact', 'a previous sbom generate process is running');
  const targets = isIndexMediaType(artifact.media_type) ? (await childManifests(trx, artifact)).filter(scannable) : scannable(artifact) ? [artifact] : [];
  if (targets.length === 0) throw new UnprocessableError('artifact', `artifact ${artifact.digest} (${artifact.type ?? artifact.media_type}) has no image to scan`);
  const tasks: ScanTaskParams[] = [];
  for (const target of targets) {
    const uuid = await resetReport(trx, target.digest, registration.id, kind.mime, now);
    tasks.push({
      project_id: request.project.id,
      project_name: request.project.name,
      repository: request.repository,
      digest: target.digest,
      ...(request.tag !== undefined && target.id === artifact.id ? { tag: request.tag } : {}),
      media_type: target.media_type,
      registration_id: registration.id,
      report_uuid: uuid,
      operator: request.operator,
    });
  }
  const executionId = await enqueue(
    trx,
    {
      vendorType: kind.vendor,
      vendorId: registration.id,
      trigger: request.trigger,
      extraAttrs: { artifact_digest: artifact.digest, repository: request.repository, report_uuids: tasks.map((t) => t.report_uuid) },
      tasks: tasks.map((params) => ({ kind: kind.task, params: { ...params }, maxAttempts: 1 })),
    },
    now,
  );
  const created = await tasksOf(trx, executionId);
  for (const [i, task] of created.entries()) {
    const uuid = tasks[i]?.report_uuid;
    if (uuid) await attachTask(trx, uuid, task.id);
  }
  return executionId;
}

/** Scan executions (or SBOM generations, by vendor) of this artifact still pending or running. */
export async function activeScans(db: Executor, repository: string, digest: string, vendor: string = SCAN_VENDOR): Promise<number[]> {
  const rows = await db
    .selectFrom('executions')
    .select(['id', 'extra_attrs'])
    .where('vendor_type', '=', vendor)
    .where('status', 'in', ['Pending', 'Running'])
    .orderBy('id')
    .limit(1000)
    .execute();
  return rows
    .filter((row) => {
      try {
        const attrs = JSON.parse(row.extra_attrs) as { artifact_digest?: unknown; repository?: unknown };
        return attrs.artifact_digest === digest && attrs.repository === repository;
      } catch {
        return false;
      }
    })
    .map((row) => row.id);
}
