import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './platform/config/index.js';
import { lockEmbeddedDatabase, openDatabase, type Database, type InstanceLock, type MigrationOutcome } from './platform/db/index.js';
import { ServerTls } from './platform/http/index.js';
import { createLogger } from './platform/log/index.js';
import { createStorage } from './platform/storage/index.js';
import { bannerLines, bootstrap } from './system/index.js';
import { systemClock } from './platform/clock.js';
import { compactAfterStart } from './platform/lib/index.js';
import { nativeModule, trimHeapEverySecond } from './platform/native/index.js';
import { backfillFacts } from './content/index.js';

export interface RunningServer {
  app: FastifyInstance;
  database: Database;
  /** What the start did to the schema: the migrations it applied, or a newer Berth's it found. */
  migrations: MigrationOutcome;
  url: string;
  /**
   * Reads server.tls.cert and key again and serves them to new connections (SIGHUP).
   * Answers what is served now; throws TlsFilesError and keeps the old pair when the files
   * are unusable; undefined when serving plain HTTP.
   */
  reloadTls(): string | undefined;
  close(): Promise<void>;
}

/** Where the embedded SQLite file lives when no PostgreSQL URL is configured. */
export function databaseUrl(config: Config): string {
  return config.database.url ?? join(resolve(config.dataDir), 'berth.db');
}

function isPostgres(url: string): boolean {
  return url.startsWith('postgres://') || url.startsWith('postgresql://');
}

/** Opens everything the config names, runs first-start setup, and listens. */
export async function startServer(config: Config, announce: (line: string) => void): Promise<RunningServer> {
  const logger = createLogger(config.log);
  // Unusable certificate files stop the start before anything is opened.
  const tls = config.server.tls.cert && config.server.tls.key ? ServerTls.load({ cert: config.server.tls.cert, key: config.server.tls.key }) : undefined;
  const url = databaseUrl(config);
  // PostgreSQL is made for several instances; the embedded database serves one.
  const lock: InstanceLock | undefined = isPostgres(url) || url === ':memory:' ? undefined : lockEmbeddedDatabase(url);
  try {
    return await listen(config, url, tls, lock, logger, announce);
  } catch (err) {
    lock?.release();
    throw err;
  }
}

async function listen(
  config: Config,
  url: string,
  tls: ServerTls | undefined,
  lock: InstanceLock | undefined,
  logger: ReturnType<typeof createLogger>,
  announce: (line: string) => void,
): Promise<RunningServer> {
  const database = await openDatabase({
    url,
    poolSize: config.database.poolSize,
    onIdleConnectionLost: (err) => logger.warn({ err }, 'PostgreSQL closed an idle database connection; the next query opens a new one'),
  });
  const { newer } = database.migrations;
  if (newer.length > 0) {
    // Migrations only add (see platform/db/releases.ts), so an older version serves a newer schema.
    const warning =
      `the database schema is newer than this Berth: it has migrations this version does not know (${newer.join(', ')}). ` +
      'Serving it as it is, without migrating; upgrade this instance to the version that migrated it.';
    logger.warn({ migrations: newer }, warning);
    announce(`Warning: ${warning}`);
  }
  try {
    return { ...(await serve(config, database, tls, lock, logger, announce)), migrations: database.migrations };
  } catch (err) {
    await database.close();
    throw err;
  }
}

async function serve(
  config: Config,
  database: Database,
  tls: ServerTls | undefined,
  lock: InstanceLock | undefined,
  logger: ReturnType<typeof createLogger>,
  announce: (line: string) => void,
): Promise<Omit<RunningServer, 'migrations'>> {
  const storage = await createStorage(config);
  const clock = systemClock;
  const setup = await bootstrap(config, database, clock.now());
  if (setup.generatedAdminPassword) {
    announce(`Created user "admin" with password: ${setup.generatedAdminPassword}`);
    announce('This password is shown only once. Change it after signing in.');
  }
  if (setup.adminPasswordNotApplied) {
    const where = config.database.url ? '--config <your berth.yaml>' : `--data-dir ${resolve(config.dataDir)}`;
    announce(
      'Warning: BERTH_ADMIN_PASSWORD (auth.adminPassword) was not applied: user "admin" exists already, and that setting is used on first start only. ' +
        `To change the admin password, run: berth admin reset-password ${where}`,
    );
  }
  // Rows pushed before listings kept their facts get them now, before the first request:
  // listings and the type filter then read the database only. A no-op once done.
  await backfillFacts(database, storage, { log: (message) => logger.info(message) });
  const app = await buildApp({ config, db: database, storage, clock, logger, ...(tls ? { tls } : {}) });
  // Fastify names its own HTTP server's scheme; with the HTTPS server made for it, say https.
  const scheme = tls ? 'https' : 'http';
  const withScheme = (address: string) => address.replace(/^https?:/, `${scheme}:`);
  const address = withScheme(
    await app.listen({ host: config.server.host, port: config.server.port, listenTextResolver: (at) => `Server listening at ${withScheme(at)}` }),
  );
  const bound = app.server.address() as AddressInfo;
  const banner = bannerLines({
    scheme,
    address: bound.address,
    port: bound.port,
    hostname: hostname(),
    ...(config.server.externalUrl ? { externalUrl: config.server.externalUrl } : {}),
    role: config.server.role,
    dataDir: resolve(config.dataDir),
    dialect: database.dialect,
  });
  for (const line of banner) announce(line);
  if (tls) announce(`Serving the certificate ${tls.describe()}; send SIGHUP to read ${tls.files.cert} again`);
  compactAfterStart();
  // Pages of the node binary that only starting up touched (several MiB more where no other
  // node process shares them); those still in use come back at their next touch.
  nativeModule()?.releaseExecutablePages();
  const stopTrimming = trimHeapEverySecond();
  return {
    app,
    database,
    url: address,
    reloadTls: () => tls?.reload(),
    async close() {
      stopTrimming();
      try {
        await app.close();
        await database.close();
      } finally {
        lock?.release();
      }
    },
  };
}
