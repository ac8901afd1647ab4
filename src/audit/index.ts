import type { ApiDeps } from '../api/index.js';
import type { FeatureModule } from '../platform/index.js';
import { auditRetentionSchedule, auditRetentionTasks } from './jobs.js';
import { auditPurgeScheduleHandlers, auditPurgeTasks } from './purge.js';
import { purgeAuditApi } from './purge-routes.js';
import { auditApi } from './routes.js';

export { AuditLogShape } from './shapes.js';
export { recordAudit, recordAudits, recordLogin, type AuditEntry, type AuditOperation } from './record.js';
export { AUDIT_RETENTION_CRON, AUDIT_RETENTION_TASK, AUDIT_RETENTION_VENDOR, purgeAuditLogs, type AuditRetentionDeps } from './jobs.js';
export { purgeAuditApi } from './purge-routes.js';

/** The audit log: its query API, the administrators' purge (task and schedule), and the hourly retention. */
export const auditModule: FeatureModule<ApiDeps> = {
  name: 'audit',
  async api(scope, deps) {
    await auditApi(scope, deps);
    await purgeAuditApi(scope, deps);
  },
  tasks: (deps) => ({ ...auditPurgeTasks(deps), ...auditRetentionTasks(deps) }),
  scheduleHandlers: auditPurgeScheduleHandlers,
  schedules: () => [auditRetentionSchedule],
};
