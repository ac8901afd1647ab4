export { housekeepingJob, purgeExpired, type HousekeepingDeps, type HousekeepingResult } from './jobs.js';
