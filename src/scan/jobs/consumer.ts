import type { EventConsumer, OutboxEvent } from '../../platform/events/index.js';
import { DomainError } from '../../platform/errors/index.js';
import type { JobService } from '../../platform/jobs/index.js';
import { projectRegistration } from '../registrations/repo.js';
import { deleteOrphanReports } from '../reports/repo.js';
import { startScan } from './plan.js';

/** Pushes examined per batch for scan-on-push; the outbox hands out at most 200 events a batch. */
type PushEvent = OutboxEvent & { project_id: number; repository: string; digest: string };

/**
 * The scanner's outbox consumer: a push to a project whose metadata says `auto_scan: "true"`
 * queues a scan (Harbor's scan on push); a deleted artifact takes its reports along once no
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
      .select(['projects.id', 'projects.name'])
      .where('project_metadata.project_id', 'in', projectIds)
      .where('project_metadata.name', '=', 'auto_scan')
      .where('project_metadata.value', '=', 'true')
      .execute();
    if (auto.length === 0) return;
    const projects = new Map(auto.map((p) => [p.id, p]));
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
      const registration = await projectRegistration(trx, project.id);
      if (!artifact || !registration || registration.disabled === 1) continue;
      try {
        await startScan(
          trx,
          { project, repository: event.repository, artifact, tag: event.tag ?? undefined, registration, trigger: 'EVENT', operator: event.operator ?? '' },
          now,
        );
        queued++;
      } catch (err) {
        // Not an image (a signature, a chart): nothing to scan, and nothing to fail.
        if (!(err instanceof DomainError)) throw err;
      }
    }
    if (queued > 0) setImmediate(() => jobs.wake());
  };
}
