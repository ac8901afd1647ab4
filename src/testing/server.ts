import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { parseConfig } from '../platform/config/load.js';
import type { Config, ConfigInput } from '../platform/config/schema.js';
import type { StorageDriver } from '../platform/storage/index.js';
import type { Database } from '../platform/db/index.js';
import { createStorage } from '../platform/storage/index.js';
import { bootstrap } from '../system/bootstrap.js';
import { systemClock, type Clock } from '../platform/clock.js';
import type { TestDialect } from './dialects.js';

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

/** A whole Berth on a random port with a fresh data directory and database. */
export async function startTestServer(dialect: TestDialect, config: ConfigInput = {}, clock: Clock = systemClock): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-data-'));
  const opened = await dialect.open();
  const parsed = parseConfig({
    ...config,
    dataDir,
    auth: { adminPassword: ADMIN_PASSWORD, ...config.auth },
    storage: { fsync: false, ...config.storage },
    log: { level: 'silent' },
  });
  await bootstrap(parsed, opened.database, clock.now());
  const storage = createStorage(parsed);
  const app = await buildApp({ config: parsed, db: opened.database, storage, clock });
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
