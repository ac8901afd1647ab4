import { findRepository } from '../../content/index.js';
import { FinalTaskError, type TaskHandler } from '../../platform/jobs/index.js';
import { createJobRobot, deleteJobRobot } from '../../robots/index.js';
import type { RegistryAccess } from '../engine.js';
import { SBOM_MEDIA_TYPES } from '../mime.js';
import { engineFor } from '../registrations/engines.js';
import { findRegistrationById } from '../registrations/repo.js';
import { endReport, markRunning, storeSbomSummary } from '../reports/repo.js';
import { storeSbomAccessory } from '../sbom/index.js';
import { localTarget } from './local-target.js';
import { MAX_LOG_LINES, parseParams, type ScanTaskDeps } from './task.js';

/** The host clients name this registry by, for the SBOM's image names and purls. */
function registryHost(url: string | undefined): string {
  if (!url) return 'localhost';
  try {
    return new URL(url).host;
  } catch {
    return 'localhost';
  }
}

/**
 * Generates the SBOM of one image manifest with the registration's engine (SPDX JSON, the only
 * format Harbor asks for) and stores it as the image's `sbom.harbor` accessory, replacing the
 * previous one; the report row then names the accessory's digest. Berth pushes the accessory
 * itself, so an external adapter's robot only needs to pull (Harbor also gives it push because
 * its adapter-side code pushes with it).
 */
export function sbomTask(deps: ScanTaskDeps): TaskHandler {
  return async ({ params, signal, log }) => {
    const p = parseParams(params);
    const { database, clock } = deps;
    const db = database.db;
    const registration = await findRegistrationById(db, p.registration_id);
    if (!registration) throw new FinalTaskError('the scanner registration was deleted');
    if (!(await markRunning(db, p.report_uuid, clock.now()))) return { skipped: 'replaced by a newer generation' };

    let lines = 0;
    const writes: Array<Promise<void>> = [];
    const engineLog = (line: string) => {
      if (++lines > MAX_LOG_LINES) return;
      writes.push(log(lines === MAX_LOG_LINES ? 'further lines left out' : line.slice(0, 2000)).catch(() => undefined));
    };
    let robot: { id: number } | undefined;
    const deadline = AbortSignal.timeout(deps.timeoutMinutes * 60_000);
    const jobSignal = AbortSignal.any([signal, deadline]);
    try {
      const url = deps.registryUrl();
      let registry: RegistryAccess | undefined;
      if (registration.builtin !== 1) {
        if (!url) throw new FinalTaskError('server.externalUrl is not set: an external scanner would not know where to pull from');
        const made = await createJobRobot(
          { database, settings: deps.settings, authenticator: deps.authenticator, now: clock.now() },
          { id: p.project_id, name: p.project_name },
          `sbom-${registration.name.replace(/[^a-z0-9._-]/gi, '-').toLowerCase()}`,
          ['pull', 'scanner-pull'],
        );
        robot = made;
        registry = { url, authorization: `Basic ${Buffer.from(`${made.name}:${made.secret}`).toString('base64')}` };
        engineLog(`pull credentials: robot ${made.name}`);
      }
      const engine = engineFor(registration, deps.engines);
      if (!engine.generateSbom) throw new FinalTaskError(`scanner ${registration.name} does not generate SBOMs`);
      engineLog(`generating the SBOM of ${p.repository}@${p.digest} with ${registration.name}`);
      const target = localTarget(
        deps.content,
        { projectId: p.project_id, repository: p.repository, digest: p.digest, tag: p.tag, mediaType: p.media_type },
        registry,
      );
      const report = await engine.generateSbom(target, { mediaType: SBOM_MEDIA_TYPES.spdx, registryHost: registryHost(url) }, jobSignal, engineLog);
      const repository = await findRepository(db, p.repository);
      if (!repository) throw new FinalTaskError(`repository ${p.repository} was deleted`);
      const stored = await storeSbomAccessory(
        { content: deps.content },
        { repository, subject: p.digest, document: report.sbom, created: new Date(clock.now()), actor: { name: p.operator || 'berth-scanner' } },
      );
      await storeSbomSummary(db, p.report_uuid, { sbom_digest: stored.digest, sbom_repository: p.repository, scanner: report.scanner }, clock.now());
      engineLog(`done: SBOM accessory ${stored.digest}`);
      return { sbom_digest: stored.digest };
    } catch (err) {
      const stopped = signal.aborted;
      const message = stopped ? 'stopped' : deadline.aborted ? `no SBOM within ${deps.timeoutMinutes} minutes` : err instanceof Error ? err.message : String(err);
      engineLog(stopped ? 'generation stopped' : `generation failed: ${message}`);
      await endReport(db, p.report_uuid, stopped ? 'Stopped' : 'Error', message, clock.now());
      throw err instanceof FinalTaskError || stopped ? err : new FinalTaskError(message);
    } finally {
      if (robot) await deleteJobRobot(deps, robot.id).catch(() => undefined);
      await Promise.all(writes);
    }
  };
}
