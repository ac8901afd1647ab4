export { recordAudit, recordAudits, type AuditEntry, type AuditOperation } from './record.js';
export { auditRetentionJob, purgeAuditLogs, type AuditRetentionDeps } from './jobs.js';
export { purgeAuditApi } from './purge-routes.js';
