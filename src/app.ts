import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { registerApi } from './api/index.js';
import { auditRetentionJob, purgeAuditApi } from './audit/index.js';
import { artifactCopyApi } from './artifacts/index.js';
import { artifactsApi } from './artifacts/routes.js';
import { auditApi } from './audit/routes.js';
import { labelsApi } from './labels/routes.js';
import { gcApi } from './gc/index.js';
import { openapiApi } from './openapi/routes.js';
import { immutabilityApi, immutabilityGate } from './policies/immutability/index.js';
import { retentionApi } from './policies/retention/index.js';
import { AccessControl, SessionStore, Authenticator, registerTokenRoutes, TokenSigner } from './auth/index.js';
import { quotaGate, quotasApi } from './projects/index.js';
import { ContentService } from './content/index.js';
import { projectsApi } from './projects/routes.js';
import { robotsApi } from './robots/routes.js';
import { searchApi } from './search/routes.js';
import { Settings } from './system/settings.js';
import { EventDispatcher } from './platform/events/index.js';
import { type JobRunner, JobService } from './platform/jobs/index.js';
import { jobsApi } from './jobservice/index.js';
import { registerSessionRoutes } from './users/session-routes.js';
import { usersApi } from './users/routes.js';
import { webhooksFeature } from './webhooks/index.js';
import { housekeepingJob } from './housekeeping/index.js';
import type { Config } from './platform/config/schema.js';
import type { Database } from './platform/db/index.js';
import { errorHandler } from './platform/errors/handler.js';
import { purgeUploadsJob } from './content/index.js';
import { registerRegistryRoutes } from './registry/index.js';
import type { StorageDriver } from './platform/storage/index.js';
import type { Clock } from './platform/clock.js';
import { REQUEST_ID_HEADER, requestContext, requestId } from './platform/http/request-context.js';
import { registerSystemRoutes } from './system/routes.js';

export interface AppDeps {
  config: Config;
  db: Database;
  storage: StorageDriver;
  /** Runs the app's periodic work; stopped when the app closes. */
  jobs: JobRunner;
  clock: Clock;
  logger?: FastifyBaseLogger;
}

/** The whole service as one Fastify instance. No globals: two apps can live side by side in a test. */
/** How long shutdown waits for requests in flight (uploads) before closing their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

export async function buildApp({ config, db, storage, jobs, clock, logger }: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    // One line per request, written by the onResponse hook below; every line of a request
    // carries its id as `request_id`.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    // The X-Request-Id a proxy sent, validated here rather than trusted (requestIdHeader).
    genReqId: requestId,
    trustProxy: config.server.trustProxy,
    // Blob uploads can take long on slow links; the socket idle timeout still applies.
    requestTimeout: 0,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
  });
  app.setErrorHandler(errorHandler);
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const { user, project, route } = requestContext(request);
    request.log.info(
      {
        user,
        project,
        route,
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        // A HEAD answer's Content-Length describes the body it did not send.
        bytes: request.method === 'HEAD' ? 0 : Number(reply.getHeader('content-length') ?? 0),
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });

  const signer = await TokenSigner.load(
    db,
    { issuer: config.auth.tokenIssuer, service: config.auth.tokenService, expirationMinutes: config.auth.tokenExpirationMinutes },
    clock.now(),
  );
  const authenticator = new Authenticator(db, signer, clock);
  const access = new AccessControl(db, clock);

  registerSystemRoutes(app, { database: db, storage });
  registerTokenRoutes(app, { database: db, authenticator, access, signer, clock, service: config.auth.tokenService });
  const sessions = new SessionStore(db, config.auth.sessionTimeoutMinutes * 60_000);
  const jobService = new JobService({ database: db, clock, concurrency: config.jobs.workers, pollMs: config.jobs.pollIntervalMs, log: app.log });
  const events = new EventDispatcher(db);
  // The push gates every content change passes, in order; pull gates will join them.
  const content = new ContentService({ config, database: db, storage, clock, gates: { push: [immutabilityGate, quotaGate], pull: [] } });
  const apiDeps = { config, database: db, storage, clock, authenticator, access, sessions, settings: new Settings(db, config), jobs: jobService, events, content };
  jobs.schedule(auditRetentionJob({ database: db, clock, settings: apiDeps.settings }));
  jobs.schedule(housekeepingJob({ config, database: db, clock }));
  jobs.schedule({ name: 'purge-sessions', everyMs: 15 * 60 * 1000, run: () => sessions.purgeExpired(clock.now()) });
  registerSessionRoutes(app, apiDeps);
  await registerApi(app, apiDeps, [usersApi, projectsApi, robotsApi, auditApi, searchApi, artifactsApi, labelsApi, openapiApi, immutabilityApi, quotasApi, artifactCopyApi, jobsApi, webhooksFeature, retentionApi, gcApi, purgeAuditApi]);
  const manifests = await registerRegistryRoutes(app, { config, database: db, clock, content, authenticator, access });
  jobs.schedule(purgeUploadsJob({ config, database: db, storage, clock }));
  jobs.schedule({ name: 'dispatch-events', everyMs: config.jobs.pollIntervalMs, run: async () => void (await events.dispatch(clock.now())) });
  if (config.jobs.workers > 0) app.addHook('onReady', async () => jobService.start());
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
    jobs.stop();
    await jobService.stop();
    await manifests.pulls.flush();
  });
  return app;
}
