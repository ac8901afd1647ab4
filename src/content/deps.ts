import type { Config } from '../platform/config/index.js';
import type { Database } from '../platform/db/index.js';
import type { FreeSpaceGuard, StorageDriver } from '../platform/storage/index.js';
import type { Clock } from '../platform/clock.js';
import type { Metrics } from '../platform/metrics/index.js';

/** What the content service stands on. */
export interface ContentDeps {
  config: Config;
  database: Database;
  storage: StorageDriver;
  /** Asked before new content is accepted: a disk near full refuses it, and deletes keep room to run. */
  space: FreeSpaceGuard;
  clock: Clock;
  metrics: Metrics;
}
