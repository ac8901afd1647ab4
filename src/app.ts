import type { Server } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { registerApi, type ApiDeps } from './api/index.js';
import { artifactsModule } from './artifacts/index.js';
import { auditModule, recordLogin } from './audit/index.js';
import { chartsModule } from './charts/index.js';
import { AccessControl, authModule, SessionStore, Authenticator, RateLimits, TokenSigner, type TokenServiceHooks } from './auth/index.js';
import { ContentService, contentModule, type Gates, type PullGate, type PushGate } from './content/index.js';
import { gcModule } from './gc/index.js';
import { housekeepingModule } from './housekeeping/index.js';
import { OidcService, oidcModule } from './identity/index.js';
import { jobserviceModule } from './jobservice/index.js';
import { labelsModule } from './labels/index.js';
import { installRouteCatalog, openapiModule } from './openapi/index.js';
import { immutabilityModule } from './policies/immutability/index.js';
import { retentionModule } from './policies/retention/index.js';
import { portalModule } from './portal/index.js';
import { findProjectByName, projectsModule } from './projects/index.js';
import { registryModule } from './registry/index.js';
import { replicationModule } from './replication/index.js';
import { robotAccounts, robotsModule } from './robots/index.js';
import { BuiltinScanEngine, scanModule, vulnDbModule, type ScanEngine } from './scan/index.js';
import { trustModule } from './trust/index.js';
import { searchModule } from './search/index.js';
import { systemModule, VERSION } from './system/index.js';
import { Settings } from './platform/settings/index.js';
import { usersModule } from './users/index.js';
import { userGroupsModule } from './usergroups/index.js';
import { webhooksModule } from './webhooks/index.js';
import { LdapAuthentication, ldapGroupExists, ldapModule, ldapTlsConfig } from './identity/index.js';
import { EventDispatcher } from './platform/events/index.js';
import { ensureSystemSchedules, JobRunner, JobService } from './platform/jobs/index.js';
import { roleRuns, type FeatureModule } from './platform/index.js';
import type { Config } from './platform/config/index.js';
import { CacheInvalidation, type Database } from './platform/db/index.js';
import { errorHandler } from './platform/errors/index.js';
import { FreeSpaceGuard, type StorageDriver } from './platform/storage/index.js';
import { openSecrets, type SecretBox } from './platform/secrets/index.js';
import type { Clock } from './platform/clock.js';
import { closeListener, listenForMetrics, Metrics, poolMetrics, registerMetricsRoute, RequestMetrics } from './platform/metrics/index.js';
import {
  clientLimits,
  installJsonBodyParser,
  parseQuerystring,
  REQUEST_ID_HEADER,
  requestContext,
  requestId,
  serverLimitOptions,
  SlowClientGuard,
  type ServerTls,
} from './platform/http/index.js';

export interface AppDeps {
  config: Config;
  db: Database;
  storage: StorageDriver;
  clock: Clock;
  logger?: FastifyBaseLogger;
  /** Serve HTTPS with this certificate; plain HTTP without it. */
  tls?: ServerTls;
  /** The engine of the built-in "Berth" scanner registration; without one, scans by it fail with a clear message. */
  scanEngine?: ScanEngine;
}

/** What every module is given; each takes the part it needs. */
export interface ModuleDeps extends ApiDeps {
  space: FreeSpaceGuard;
  signer: TokenSigner;
  tokenService: TokenServiceHooks;
  scanEngine?: ScanEngine | undefined;
  /** Seals and opens the secrets features store (credentials of scanners, registry endpoints). */
  secrets: SecretBox;
  /** OIDC sign-in: the portal's flow, and how OIDC users' CLI secrets are checked. */
  oidc: OidcService;
}

export type AppModule = FeatureModule<ModuleDeps, Partial<Gates>>;

/** Every feature of the service, in the order their routes are registered. */
export const MODULES: readonly AppModule[] = [
  systemModule,
  authModule,
  usersModule,
  userGroupsModule,
  oidcModule,
  projectsModule,
  robotsModule,
  auditModule,
  searchModule,
  artifactsModule,
  scanModule,
  trustModule,
  labelsModule,
  openapiModule,
  immutabilityModule,
  jobserviceModule,
  webhooksModule,
  ldapModule,
  replicationModule,
  retentionModule,
  gcModule,
  chartsModule,
  registryModule,
  portalModule,
  contentModule,
  housekeepingModule,
  vulnDbModule,
];

/** How long shutdown waits for requests in flight (uploads) before closing their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

/** The whole service as one Fastify instance. No globals: two apps can live side by side in a test. */
export async function buildApp({ config, db, storage, clock, logger, tls, scanEngine }: AppDeps): Promise<FastifyInstance> {
  const limits = clientLimits(config.server);
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    // One line per request, written by the onResponse hook below; every line of a request
    // carries its id as `request_id`.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    // The X-Request-Id a proxy sent, validated here rather than trusted (requestIdHeader).
    genReqId: requestId,
    trustProxy: config.server.trustProxy,
    // Headers deadline, idle connections; how slowly and how long a request may take is the guard's below.
    ...serverLimitOptions(limits),
    ...(tls ? { serverFactory: tls.serverFactory(limits) } : {}),
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    // One parser for every route: no prototype, repeated keys kept for the helpers to refuse.
    routerOptions: { querystringParser: parseQuerystring },
  });
  app.setErrorHandler(errorHandler);
  installJsonBodyParser(app);
  new SlowClientGuard(limits).install(app);
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  const metrics = new Metrics();
  const requestMetrics = config.metrics.enabled ? new RequestMetrics(metrics) : undefined;
  app.addHook('onResponse', async (request, reply) => {
    const { user, project, route } = requestContext(request);
    // A HEAD answer's Content-Length describes the body it did not send.
    const bytes = request.method === 'HEAD' ? 0 : Number(reply.getHeader('content-length') ?? 0) || 0;
    const elapsed = reply.elapsedTime;
    request.log.info(
      {
        user,
        project,
        route,
        method: request.method,
        url: request.url,
        // The proxy's X-Forwarded-For when server.trustProxy says to believe it, else the peer.
        client: request.ip,
        user_agent: request.headers['user-agent'],
        status: reply.statusCode,
        bytes,
        ms: Math.round(elapsed),
      },
      'request',
    );
    requestMetrics?.observe({
      method: request.method,
      route,
      status: reply.statusCode,
      seconds: elapsed / 1000,
      bytesIn: Number(request.headers['content-length'] ?? 0) || 0,
      bytesOut: bytes,
    });
  });

  // Before anything may seal or open a secret: a missing or wrong key stops the start here.
  const secrets = await openSecrets(
    config,
    db.db,
    MODULES.flatMap((module) => module.sealedColumns ?? []),
  );
  const signer = await TokenSigner.load(
    db,
    { issuer: config.auth.tokenIssuer, service: config.auth.tokenService, expirationMinutes: config.auth.tokenExpirationMinutes },
    clock.now(),
  );
  // Instances on one PostgreSQL database drop each other's cached accounts and memberships on change.
  const invalidation = await CacheInvalidation.open(db, app.log);
  app.addHook('onClose', () => invalidation.close());
  const access = new AccessControl(db, clock, invalidation);
  const settings = new Settings(db, config, secrets);
  const ldap = new LdapAuthentication({
    database: db,
    settings,
    clock,
    tls: ldapTlsConfig(config),
    log: app.log,
    membershipsChanged: () => access.membershipsChanged(),
  });
  // Built before the authenticator, which asks it how OIDC users' CLI secrets are checked; it forgets accounts through it in turn.
  const forgetAccounts = { run: (): void => undefined };
  const oidc = new OidcService({
    database: db,
    clock,
    settings,
    secrets,
    allowPrivateNetworks: config.outbound.allowPrivateNetworks,
    cliSecretNeedsSession: config.auth.oidcCliSecretNeedsSession,
    forgetAccounts: () => forgetAccounts.run(),
    membershipsChanged: () => access.membershipsChanged(),
  });
  const authenticator = new Authenticator(db, signer, clock, robotAccounts(db), invalidation, ldap, oidc);
  forgetAccounts.run = () => authenticator.forgetAccounts();

  const sessions = new SessionStore(db, config.auth.sessionTimeoutMinutes * 60_000);
  const jobService = new JobService({
    database: db,
    clock,
    concurrency: config.jobs.workers,
    pollMs: config.jobs.pollIntervalMs,
    leaseMs: config.jobs.leaseSeconds * 1000,
    log: app.log,
    metrics,
  });
  const events = new EventDispatcher(db);
  const push: PushGate[] = [];
  const pull: PullGate[] = [];
  const space = new FreeSpaceGuard({ storage, database: db, minFreeBytes: config.storage.minFreeMegabytes * 1024 * 1024 });
  // Every content change passes the push gates the modules contribute, in order.
  const content = new ContentService({ config, database: db, storage, space, clock, metrics, gates: { push, pull } });
  const deps: ModuleDeps = {
    config,
    database: db,
    storage,
    space,
    clock,
    authenticator,
    access,
    sessions,
    settings,
    oidc,
    oidcUserMeta: (userId) => oidc.userMeta(userId),
    ldapGroupExists: ldapGroupExists({ config, database: db, settings, clock }),
    jobs: jobService,
    events,
    gates: { push, pull },
    content,
    metrics,
    rateLimits: new RateLimits(config.rateLimit, () => clock.now()),
    signer,
    secrets,
    scanEngine: scanEngine ?? new BuiltinScanEngine({ database: db, clock, maxAgeDays: config.scan.vulndb.maxAgeDays, version: VERSION }),
    tokenService: { findProject: (name) => findProjectByName(db.db, name), recordLogin: (attempt) => recordLogin(db.db, attempt) },
  };
  const runs = roleRuns(config.server.role);

  // Gates first: routes and tasks may hold on to them.
  for (const module of MODULES) {
    const gates = module.gates?.(deps);
    push.push(...(gates?.push ?? []));
    pull.push(...(gates?.pull ?? []));
  }
  poolMetrics(metrics, db);
  for (const module of MODULES) module.metrics?.(deps);
  // Before any route: the OpenAPI document lists the routes registered after this.
  installRouteCatalog(app);
  for (const module of MODULES) await module.probes?.(app, deps);
  if (config.metrics.enabled) serveMetrics(app, metrics, config);
  if (runs.requests) {
    for (const module of MODULES) await module.routes?.(app, deps);
    await registerApi(
      app,
      deps,
      MODULES.flatMap((module) => (module.api ? [module.api.bind(module)] : [])),
      () => app.berthRouteCatalog.list(),
    );
  }

  // Background work: registered on every role (a handler is only code), run only where the role says.
  const schedules = MODULES.flatMap((module) => module.schedules?.(deps) ?? []);
  for (const module of MODULES) {
    for (const [kind, handler] of Object.entries(module.tasks?.(deps) ?? {})) jobService.register(kind, handler);
    for (const [vendorType, handler] of Object.entries(module.scheduleHandlers?.(deps) ?? {})) jobService.onSchedule(vendorType, handler);
    for (const [name, consumer] of Object.entries(module.consumers?.(deps) ?? {})) events.subscribe(name, consumer);
  }
  for (const schedule of schedules) jobService.onSchedule(schedule.vendorType, schedule.handler);
  // The outbox dispatcher hands each event on once across instances; it runs in-process on the roles that run background work.
  const dispatcher = new JobRunner(app.log);
  if (runs.background) {
    app.addHook('onReady', async () => {
      await ensureSystemSchedules(db, schedules, clock.now());
      dispatcher.schedule({ name: 'dispatch-events', everyMs: config.jobs.pollIntervalMs, run: async () => void (await events.dispatch(clock.now())) });
      if (config.jobs.workers > 0) jobService.start();
    });
  }
  app.addHook('preClose', async () => {
    // Node closes only the connections idle at the moment close begins; a keep-alive one that
    // turns idle an instant later would hold shutdown for the keep-alive timeout (72 s). Keep
    // closing idle ones, and after a grace period for uploads in flight, close the rest.
    const idle = setInterval(() => app.server.closeIdleConnections(), 100);
    const rest = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    idle.unref();
    rest.unref();
    app.server.once('close', () => {
      clearInterval(idle);
      clearTimeout(rest);
    });
  });
  app.addHook('onClose', async () => {
    dispatcher.stop();
    await jobService.stop();
  });
  return app;
}

/**
 * `/metrics` on every role: on the main port, or, with metrics.port, on a listener of its own
 * that starts when the app listens and stops with it.
 */
function serveMetrics(app: FastifyInstance, metrics: Metrics, config: Config): void {
  const port = config.metrics.port;
  if (port === undefined) return registerMetricsRoute(app, metrics);
  let listener: Server | undefined;
  app.addHook('onListen', async () => {
    listener = await listenForMetrics(metrics, config.server.host, port);
    app.log.info({ address: listener.address() }, 'metrics listening');
  });
  app.addHook('onClose', async () => {
    if (listener) await closeListener(listener);
  });
}
