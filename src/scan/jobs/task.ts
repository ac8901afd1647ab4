import type { Authenticator } from '../../auth/index.js';
import type { ContentService } from '../../content/index.js';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/index.js';
import { recordEvent } from '../../platform/events/index.js';
import { FinalTaskError, type TaskHandler } from '../../platform/jobs/index.js';
import type { Settings } from '../../platform/settings/index.js';
import { createJobRobot, deleteJobRobot } from '../../robots/index.js';
import type { RegistryAccess } from '../engine.js';
import { engineFor, type EngineSettings } from '../registrations/engines.js';
import { findRegistrationById } from '../registrations/repo.js';
import { endReport, markRunning, storeReport } from '../reports/repo.js';
import { localTarget } from './local-target.js';
import { SBOM_TASK, SCAN_TASK, type ScanTaskParams } from './plan.js';
import { sbomTask } from './sbom-task.js';

export interface ScanTaskDeps {
  database: Database;
  /** Reads what is scanned; SBOM generation also pushes the accessory through it. */
  content: ContentService;
  settings: Pick<Settings, 'pick'>;
  authenticator: Authenticator;
  clock: Clock;
  engines: EngineSettings;
  /** Where external adapters pull from: server.externalUrl, else the address this instance listens on. */
  registryUrl(): string | undefined;
  timeoutMinutes: number;
}

/** Lines of one scan's log at most: an adapter that reports progress forever cannot fill the log table. */
export const MAX_LOG_LINES = 500;

export const SCAN_EVENTS = { completed: 'SCANNING_COMPLETED', failed: 'SCANNING_FAILED', stopped: 'SCANNING_STOPPED' } as const;

export function parseParams(params: Record<string, unknown>): ScanTaskParams {
  const text = (key: string) => {
    const value = params[key];
    if (typeof value !== 'string') throw new FinalTaskError(`scan task without ${key}`);
    return value;
  };
  const number = (key: string) => {
    const value = params[key];
    if (typeof value !== 'number') throw new FinalTaskError(`scan task without ${key}`);
    return value;
  };
  return {
    project_id: number('project_id'),
    project_name: text('project_name'),
    repository: text('repository'),
    digest: text('digest'),
    ...(typeof params.tag === 'string' ? { tag: params.tag } : {}),
    media_type: text('media_type'),
    registration_id: number('registration_id'),
    report_uuid: text('report_uuid'),
    operator: text('operator'),
  };
}

/**
 * Scans one image manifest with the registration's engine and keeps the report. An external
 * adapter gets a robot of the project, made for this task and deleted after it, that may pull
 * (and scanner-pull) the project's repositories. The outcome is an outbox event
 * (SCANNING_COMPLETED, _FAILED or _STOPPED) for webhooks.
 */
export function scanTasks(deps: ScanTaskDeps): Record<string, TaskHandler> {
  const run: TaskHandler = async ({ params, signal, log }) => {
    const p = parseParams(params);
    const { database, clock } = deps;
    const db = database.db;
    const registration = await findRegistrationById(db, p.registration_id);
    if (!registration) throw new FinalTaskError('the scanner registration was deleted');
    // A newer scan of the same artifact took the report row over: this one has nothing to do.
    if (!(await markRunning(db, p.report_uuid, clock.now()))) return { skipped: 'replaced by a newer scan' };

    let lines = 0;
    const writes: Array<Promise<void>> = [];
    const engineLog = (line: string) => {
      if (++lines > MAX_LOG_LINES) return;
      writes.push(log(lines === MAX_LOG_LINES ? 'further lines left out' : line.slice(0, 2000)).catch(() => undefined));
    };
    const event = (type: string) => ({
      type,
      projectId: p.project_id,
      repository: p.repository,
      digest: p.digest,
      tag: p.tag ?? null,
      operator: p.operator,
      at: clock.now(),
    });

    let robot: { id: number } | undefined;
    const deadline = AbortSignal.timeout(deps.timeoutMinutes * 60_000);
    const scanSignal = AbortSignal.any([signal, deadline]);
    try {
      let registry: RegistryAccess | undefined;
      if (registration.builtin !== 1) {
        const url = deps.registryUrl();
        if (!url) throw new FinalTaskError('server.externalUrl is not set: an external scanner would not know where to pull from');
        const made = await createJobRobot(
          { database, settings: deps.settings, authenticator: deps.authenticator, now: clock.now() },
          { id: p.project_id, name: p.project_name },
          `scanner-${registration.name.replace(/[^a-z0-9._-]/gi, '-').toLowerCase()}`,
          ['pull', 'scanner-pull'],
        );
        robot = made;
        registry = { url, authorization: `Basic ${Buffer.from(`${made.name}:${made.secret}`).toString('base64')}` };
        engineLog(`pull credentials: robot ${made.name}`);
      }
      engineLog(`scanning ${p.repository}@${p.digest} with ${registration.name}`);
      const engine = engineFor(registration, deps.engines);
      const target = localTarget(
        deps.content,
        { projectId: p.project_id, repository: p.repository, digest: p.digest, tag: p.tag, mediaType: p.media_type },
        registry,
      );
      const report = await engine.scanVulnerabilities(target, scanSignal, engineLog);
      await db.transaction().execute(async (trx) => {
        await storeReport(
          trx,
          p.report_uuid,
          { ...report, artifact: { ...report.artifact, repository: p.repository, digest: p.digest, mime_type: p.media_type } },
          clock.now(),
        );
        await recordEvent(trx, event(SCAN_EVENTS.completed));
      });
      engineLog(`done: ${report.vulnerabilities.length} vulnerabilities`);
      return { vulnerabilities: report.vulnerabilities.length };
    } catch (err) {
      const stopped = signal.aborted;
      const message = stopped ? 'stopped' : deadline.aborted ? `no report within ${deps.timeoutMinutes} minutes` : err instanceof Error ? err.message : String(err);
      engineLog(stopped ? 'scan stopped' : `scan failed: ${message}`);
      await db.transaction().execute(async (trx) => {
        await endReport(trx, p.report_uuid, stopped ? 'Stopped' : 'Error', message, clock.now());
        await recordEvent(trx, event(stopped ? SCAN_EVENTS.stopped : SCAN_EVENTS.failed));
      });
      throw err instanceof FinalTaskError || stopped ? err : new FinalTaskError(message);
    } finally {
      if (robot) await deleteJobRobot(deps, robot.id).catch(() => undefined);
      await Promise.all(writes);
    }
  };
  return { [SCAN_TASK]: run, [SBOM_TASK]: sbomTask(deps) };
}
