/**
 * The vulnerability database: OSV records imported into Berth's own database (tables
 * vuln_records, vuln_affected, vuln_db_meta), looked up by (ecosystem, package) for the matcher.
 */
export { createAdvisorySource } from './advisory-source.js';
export { vulnDbCommand, type VulnDbCliContext } from './cli.js';
export { describeSummary, importPaths, IMPORT_BATCH, type ImportOptions, type ImportProgress, type ImportSummary } from './importer.js';
export { vulnDbModule, vulnDbTasks, vulnDbUpdateSchedule, VULNDB_UPDATE_CRON, VULNDB_UPDATE_TASK, VULNDB_UPDATE_VENDOR, type VulnDbDeps } from './module.js';
export { parseOsvRecord, type OsvRecord } from './osv.js';
export { loadCvssCalculator, scoreRecord, severityForScore, severityFromUrgency } from './severity.js';
export { databaseAge, describeStatus, isStale, vulnDbStatus, type VulnDbStatus } from './status.js';
export { updateFromSources, type SourceOutcome } from './update.js';
