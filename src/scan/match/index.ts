/** Matches an image's inventory against OSV advisories into Harbor vulnerability items. */
export type { Advisory, AdvisorySource } from './advisory.js';
export { osEcosystem, lookupPlan, type LookupName, type LookupPlan, type OsEcosystem } from './ecosystems.js';
export { matchInventory, DEFAULT_QUERY_BATCH, type MatchOptions, type SkippedMatch } from './matcher.js';
