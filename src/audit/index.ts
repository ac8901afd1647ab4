export { recordAudit, type AuditEntry, type AuditOperation } from './record.js';
