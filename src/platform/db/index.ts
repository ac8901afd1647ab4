export * from './database.js';
export * from './dialect.js';
export { containsIgnoringCase } from './like.js';
export * from './errors.js';
export type * from './tables.js';
export { MIGRATION_LOCK, type MigrationOutcome } from './migrate.js';
export { IN_LIST_BOUND, inBatches } from './batches.js';
export { preparedQuery } from './prepared.js';
export { InstanceLockedError, lockEmbeddedDatabase, type InstanceLock } from './instance-lock.js';
export { whereMatches } from './q-filter.js';
export {
  checkRestoreTarget,
  restoreDatabase,
  snapshotBlobs,
  snapshotDatabase,
  SnapshotError,
  type SnapshotProgress,
  type SnapshotResult,
  type SnapshotTarget,
} from './snapshot.js';
export { CacheInvalidation, type CacheTopic } from './invalidation.js';
export { ReadMemo } from './read-memo.js';
