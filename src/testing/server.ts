import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { parseConfig } from '../platform/config/load.js';
import type { Config, ConfigInput } from '../platform/config/schema.js';
import type { StorageDriver } from '../platform/storage/index.js';
import type { Database } from '../platform/db/index.js';
import { createStorage } from '../platform/storage/index.js';
import { bootstrap } from '../system/bootstrap.js';
import { systemClock, type Clock } from '../platform/clock.js';
import { backfillFacts } from '../content/index.js';
import type { TestDialect } from './dialects.js';
import type { ScanEngine } from '../scan/index.js';

export const ADMIN_PASSWORD = 'Harbor12345-test';

export interface TestServer {
  app: FastifyInstance;
  config: Config;
  storage: StorageDriver;
  database: Database;
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Where the app logs (silent by default). */
  logger?: FastifyBaseLogger;
  /** Called on the built app before it listens, e.g. to add a route a test needs. */
  prepare?: (app: FastifyInstance) => void;
  /** Wraps the filesystem driver the server uses (e.g. to count its reads). */
  storage?: (driver: StorageDriver) => StorageDriver;
  /** The built-in scanner's engine (a test stand-in until the real one is wired). */
  scanEngine?: ScanEngine;
}

/** A whole Berth on a random port with a fresh data directory and database. */
export async function startTestServer(
  dialect: TestDialect,
  config: ConfigInput = {},
  clock: Clock = systemClock,
  options: TestServerOptions = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-data-'));
  const opened = await dialect.open();
  const parsed = parseConfig({
    ...config,
    dataDir,
    auth: { adminPassword: ADMIN_PASSWORD, ...config.auth },
    // The free-space guard is off unless a test turns it on: how full the test machine's disk is must not decide a test.
    storage: { fsync: false, minFreeMegabytes: 0, ...config.storage },
    log: { level: 'silent' },
  });
  await bootstrap(parsed, opened.database, clock.now());
  const driver = await createStorage(parsed);
  const storage = options.storage ? options.storage(driver) : driver;
  await backfillFacts(opened.database, storage);
  const app = await buildApp({
    config: parsed,
    db: opened.database,
    storage,
    clock,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.scanEngine ? { scanEngine: options.scanEngine } : {}),
  });
  options.prepare?.(app);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    config: parsed,
    storage,
    database: opened.database,
    url: address,
    dataDir,
    async close() {
      await app.close();
      await opened.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
