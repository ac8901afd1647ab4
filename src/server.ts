import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from './app.js';
import type { Config } from './platform/config/index.js';
import { openDatabase, type Database } from './platform/db/index.js';
import { createStorage } from './platform/storage/index.js';
import { bootstrap } from './system/index.js';
import { systemClock } from './platform/clock.js';
import { backfillFacts } from './content/index.js';

export interface RunningServer {
  app: FastifyInstance;
  database: Database;
  url: string;
  close(): Promise<void>;
}

/** Where the embedded SQLite file lives when no PostgreSQL URL is configured. */
export function databaseUrl(config: Config): string {
  return config.database.url ?? join(resolve(config.dataDir), 'berth.db');
}

/** Opens everything the config names, runs first-start setup, and listens. */
export async function startServer(config: Config, announce: (line: string) => void): Promise<RunningServer> {
  const logger = pino({ level: config.log.level, base: { service: 'berth' } });
  const database = await openDatabase({ url: databaseUrl(config), poolSize: config.database.poolSize });
  const storage = createStorage(config);
  const clock = systemClock;
  const setup = await bootstrap(config, database, clock.now());
  if (setup.generatedAdminPassword) {
    announce(`Created user "admin" with password: ${setup.generatedAdminPassword}`);
    announce('This password is shown only once. Change it after signing in.');
  }
  // Rows pushed before listings kept their facts get them now, before the first request:
  // listings and the type filter then read the database only. A no-op once done.
  await backfillFacts(database, storage, { log: (message) => logger.info(message) });
  const app = await buildApp({ config, db: database, storage, clock, logger });
  const address = await app.listen({ host: config.server.host, port: config.server.port });
  announce(`Berth is listening on ${address} (role: ${config.server.role}, data: ${resolve(config.dataDir)}, database: ${database.dialect})`);
  return {
    app,
    database,
    url: address,
    async close() {
      await app.close();
      await database.close();
    },
  };
}
