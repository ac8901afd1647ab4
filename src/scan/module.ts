import type { AddressInfo } from 'node:net';
import type { ApiDeps } from '../api/index.js';
import type { Gates } from '../content/index.js';
import type { FeatureModule } from '../platform/index.js';
import type { SecretBox } from '../platform/secrets/index.js';
import { pullMetadataOf } from '../projects/index.js';
import { registerAdapterServer } from './adapter/server.js';
import { scanAllRoutes } from './all/routes.js';
import { scanAllScheduleHandlers, scanAllTasks } from './all/plan.js';
import { securityHubRoutes } from './hub/routes.js';
import { cveExportRoutes } from './export/routes.js';
import { cveExportCleanupSchedule, cveExportCleanupTasks } from './export/cleanup.js';
import { cveExportTasks } from './export/task.js';
import { remoteTarget } from './adapter/remote-target.js';
import type { ScanEngine } from './engine.js';
import { scanConsumer } from './jobs/consumer.js';
import { scanRoutes } from './jobs/routes.js';
import { scanTasks } from './jobs/task.js';
import { vulnerabilityGate } from './policy/gate.js';
import type { EngineSettings } from './registrations/engines.js';
import { registrationRoutes } from './registrations/routes.js';
import { RegistrationService } from './registrations/service.js';

/** What the scanner module needs: the API's deps, and the built-in engine when the build has one. */
export interface ScanDeps extends ApiDeps {
  scanEngine?: ScanEngine | undefined;
  secrets: SecretBox;
}

/** Per app: the engine settings and the address external adapters pull from, learnt when the app listens. */
class ScanContext {
  readonly engines: EngineSettings;
  private listening: string | undefined;

  constructor(readonly deps: ScanDeps) {
    this.engines = {
      builtin: deps.scanEngine,
      secrets: deps.secrets,
      allowPrivateNetworks: deps.config.outbound.allowPrivateNetworks,
      pollSeconds: deps.config.scan.pollSeconds,
    };
  }

  registryUrl(): string | undefined {
    return this.deps.config.server.externalUrl?.replace(/\/+$/, '') ?? this.listening;
  }

  learnAddress(address: AddressInfo | string | null): void {
    if (!address || typeof address === 'string') return;
    const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.listening = `${this.deps.config.server.tls.cert ? 'https' : 'http'}://${host}:${address.port}`;
  }
}

const contexts = new WeakMap<ScanDeps, ScanContext>();
function contextOf(deps: ScanDeps): ScanContext {
  let context = contexts.get(deps);
  if (!context) {
    context = new ScanContext(deps);
    contexts.set(deps, context);
  }
  return context;
}

/**
 * Scanning: scanner registrations, project scanners, scan jobs and reports under Harbor's API;
 * scan-on-push and report clean-up from the outbox; and, when `scan.adapterApiKey` is set,
 * the built-in engine served as a Harbor scanner adapter; the vulnerability pull gate.
 */
export const scanModule: FeatureModule<ScanDeps, Partial<Gates>> = {
  name: 'scan',
  sealedColumns: [{ table: 'scanner_registrations', key: 'id', column: 'access_credential', label: 'scanner registration credentials' }],
  // Harbor's "prevent vulnerable images from running" (project metadata prevent_vul, severity).
  gates: (deps) => ({ pull: [vulnerabilityGate(deps.clock, pullMetadataOf(deps.clock, deps.access))] }),
  api(scope, deps) {
    const context = contextOf(deps);
    registrationRoutes(scope, deps, new RegistrationService({ database: deps.database, clock: deps.clock, engines: context.engines }));
    scanRoutes(scope, deps);
    scanAllRoutes(scope, deps);
    securityHubRoutes(scope, deps);
    cveExportRoutes(scope, deps);
  },
  async routes(app, deps) {
    const context = contextOf(deps);
    app.addHook('onListen', async () => context.learnAddress(app.server.address()));
    const apiKey = deps.config.scan.adapterApiKey;
    if (apiKey && deps.scanEngine) {
      const allowPrivateNetworks = deps.config.outbound.allowPrivateNetworks;
      await registerAdapterServer(app, {
        engine: deps.scanEngine,
        apiKey,
        timeoutMs: deps.config.scan.timeoutMinutes * 60_000,
        log: app.log,
        readTarget: (request, signal) =>
          remoteTarget(
            {
              registryUrl: request.registry.url,
              authorization: request.registry.authorization,
              repository: request.artifact.repository,
              digest: request.artifact.digest,
              tag: request.artifact.tag,
              mediaType: request.artifact.mime_type,
              projectId: request.artifact.namespace_id,
            },
            { allowPrivateNetworks },
            signal,
          ),
      });
    }
  },
  scheduleHandlers: (deps) => scanAllScheduleHandlers(deps),
  tasks(deps) {
    const context = contextOf(deps);
    const scans = scanTasks({
      database: deps.database,
      content: deps.content,
      settings: deps.settings,
      authenticator: deps.authenticator,
      clock: deps.clock,
      engines: context.engines,
      registryUrl: () => context.registryUrl(),
      timeoutMinutes: deps.config.scan.timeoutMinutes,
    });
    return { ...scans, ...scanAllTasks(deps), ...cveExportTasks(deps), ...cveExportCleanupTasks(deps) };
  },
  schedules: () => [cveExportCleanupSchedule],
  consumers: (deps) => ({ scan: scanConsumer(deps.jobs) }),
};
