import type { Config } from '../config/schema.js';
import type { Database } from '../db/index.js';
import type { StorageDriver } from '../storage/index.js';
import type { Clock } from '../system/clock.js';

export interface RegistryDeps {
  config: Config;
  database: Database;
  storage: StorageDriver;
  clock: Clock;
}
