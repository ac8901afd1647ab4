import type { Artifact, Database, Project } from '../../platform/db/index.js';
import type { Clock } from '../../platform/clock.js';
import { recordEvents } from '../../platform/events/index.js';
import { InvalidInputError, NotFoundError, PreconditionFailedError } from '../../platform/errors/index.js';
import { isIndexMediaType } from '../../platform/lib/index.js';
import { stopExecution, taskLog, type JobService } from '../../platform/jobs/index.js';
import { REPORT_MIME } from '../mime.js';
import { projectRegistration } from '../registrations/repo.js';
import { findReport, reportsOf } from '../reports/repo.js';
import { activeScans, childManifests, SBOM_VENDOR, SCAN_VENDOR, startScan, type ScanType } from './plan.js';
import { SCAN_EVENTS } from './task.js';

export interface ScanServiceDeps {
  database: Database;
  clock: Clock;
  jobs: Pick<JobService, 'wake'>;
}

/** The rules behind the scan endpoints of an artifact. */
export class ScanService {
  constructor(private readonly deps: ScanServiceDeps) {}

  async scan(
    project: Project,
    repository: string,
    artifact: Artifact,
    tag: string | undefined,
    operator: string,
    scanType: ScanType = 'vulnerability',
  ): Promise<number> {
    const registration = await projectRegistration(this.deps.database.db, project.id);
    if (!registration) throw new PreconditionFailedError('input', `no scanner is set for project ${project.name}`);
    const id = await this.deps.database.db
      .transaction()
      .execute((trx) => startScan(trx, { project, repository, artifact, tag, registration, trigger: 'MANUAL', operator, scanType }, this.deps.clock.now()));
    this.deps.jobs.wake();
    return id;
  }

  async stop(project: Project, repository: string, artifact: Artifact, operator: string, scanType: ScanType = 'vulnerability'): Promise<void> {
    const db = this.deps.database.db;
    const sbom = scanType === 'sbom';
    const executions = await activeScans(db, repository, artifact.digest, sbom ? SBOM_VENDOR : SCAN_VENDOR);
    if (executions.length === 0) throw new InvalidInputError('input', `no ${sbom ? 'SBOM generation' : 'scan'} of ${artifact.digest} is running`);
    const now = this.deps.clock.now();
    for (const id of executions) await stopExecution(this.deps.database, id, now);
    // Tasks stopped before they started never run: their reports and events are written here.
    await db.transaction().execute(async (trx) => {
      const pending = await trx
        .selectFrom('scan_reports as r')
        .innerJoin('tasks as t', 't.id', 'r.task_id')
        .select(['r.uuid', 'r.digest'])
        .where('t.execution_id', 'in', executions)
        .where('t.status', '=', 'Stopped')
        .where('r.status', '=', 'Pending')
        .execute();
      if (pending.length === 0) return;
      await trx
        .updateTable('scan_reports')
        .set({ status: 'Stopped', status_message: 'stopped', end_time: now })
        .where(
          'uuid',
          'in',
          pending.map((p) => p.uuid),
        )
        .execute();
      // Harbor's scan webhooks are about vulnerability scans; an SBOM generation has none.
      if (sbom) return;
      await recordEvents(
        trx,
        pending.map((p) => ({ type: SCAN_EVENTS.stopped, projectId: project.id, repository, digest: p.digest, tag: null, operator, at: now })),
      );
    });
  }

  /** The log of a report of this artifact (or of one of an index's images). */
  async log(artifact: Artifact, reportId: string): Promise<string> {
    const db = this.deps.database.db;
    const report = await findReport(db, reportId);
    const digests = new Set([artifact.digest]);
    if (report && isIndexMediaType(artifact.media_type)) for (const child of await childManifests(db, artifact)) digests.add(child.digest);
    if (!report || !digests.has(report.digest)) throw new NotFoundError('input', `report ${reportId} not found for artifact ${artifact.digest}`);
    return report.task_id === null ? '' : taskLog(db, report.task_id);
  }

  /** The finished report of the project's scanner for the artifact, as stored JSON text. */
  async reportText(project: Project, artifact: Artifact): Promise<string | undefined> {
    const db = this.deps.database.db;
    const registration = await projectRegistration(db, project.id);
    if (!registration) return undefined;
    const row = (await reportsOf(db, [artifact.digest], registration.id, REPORT_MIME)).get(artifact.digest);
    return row && row.status === 'Success' && row.report ? row.report : undefined;
  }
}
