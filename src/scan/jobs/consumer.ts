import type { EventConsumer, OutboxEvent } from '../../platform/events/index.js';
import { DomainError } from '../../platform/errors/index.js';
import type { JobService } from '../../platform/jobs/index.js';
import { projectRegistration } from '../registrations/repo.js';
import { deleteOrphanReports } from '../reports/repo.js';
import { startScan, type ScanType } from './plan.js';

/** Pushes examined per batch for scan-on-push; the outbox hands out at most 200 events a batch. */
type PushEvent = OutboxEvent & { project_id: number; repository: string; digest: string };

/**
 * The scanner's outbox consumer: a push to a project whose metadata says `auto_scan: "true"`
 * queues a scan (Harbor's scan on push), and `auto_sbom_generation: "true"` an SBOM generation; a deleted artifact takes its reports along once no
 * repository holds its digest any more.
 */
export function scanConsumer(jobs: Pick<JobService, 'wake'>): EventConsumer {
  return async (trx, events, now) => {
    const deleted = events.filter((e) => e.type === 'DELETE_ARTIFACT' && e.digest !== null).map((e) => e.digest as string);
    if (deleted.length > 0) await deleteOrphanReports(trx, [...new Set(deleted)]);

    const pushes = events.filter((e): e is PushEvent => e.type === 'PUSH_ARTIFACT' && e.project_id !== null && e.repository !== null && e.digest !== null);
    if (pushes.length === 0) return;
    const projectIds = [...new Set(pushes.map((e) => e.project_id))];
    const auto = await trx
      .selectFrom('project_metadata')
      .innerJoin('projects', 'projects.id', 'project_metadata.project_id')
      .select(['projects.id', 'projects.name', 'project_metadata.name as key'])
      .where('project_metadata.project_id', 'in', projectIds)
      .where('project_metadata.name', 'in', ['auto_scan', 'auto_sbom_generation'])
      .where('project_metadata.value', '=', 'true')
      .execute();
    if (auto.length === 0) return;
    const projects = new Map(auto.map((p) => [p.id, { id: p.id, name: p.name }]));
    const wanted = (projectId: number): ScanType[] => auto.filter((p) => p.id === projectId).map((p) => (p.key === 'auto_scan' ? 'vulnerability' : 'sbom'));
    let queued = 0;
    const seen = new Set<string>();
    for (const event of pushes) {
      const project = projects.get(event.project_id);
      const key = `${event.repository}@${event.digest}`;
      if (!project || seen.has(key)) continue;
      seen.add(key);
      const artifact = await trx
        .selectFrom('artifacts')
        .innerJoin('repositories', 'repositories.id', 'artifacts.repository_id')
        .selectAll('artifacts')
        .where('repositories.name', '=', event.repository)
        .where('artifacts.digest', '=', event.digest)
        .executeTakeFirst();
      // Berth's own SBOM accessories are pushes too: they get no SBOM or scan of their own.
      if (!artifact || artifact.accessory_type !== null) continue;
      const registration = await projectRegistration(trx, project.id);
      if (!registration || registration.disabled === 1) continue;
      for (const scanType of wanted(project.id)) {
        try {
          await startScan(
            trx,
            {
              project,
              repository: event.repository,
              artifact,
              tag: event.tag ?? undefined,
              registration,
              trigger: 'EVENT',
              operator: event.operator ?? '',
              scanType,
            },
            now,
          );
          queued++;
        } catch (err) {
          // Not an image (a signature, a chart), or a generation already running: nothing to fail.
          if (!(err instanceof DomainError)) throw err;
        }
      }
    }
    if (queued > 0) setImmediate(() => jobs.wake());
  };
}
