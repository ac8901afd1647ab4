import type { QuotaJson } from '../shapes.js';
import type { QuotaWithProject } from './repo.js';

export function quotaJson(quota: QuotaWithProject): QuotaJson {
  return {
    id: quota.id,
    ref: { id: quota.project_id, name: quota.project_name, owner_name: quota.owner_name },
    hard: { storage: quota.hard_storage },
    used: { storage: quota.used_storage },
    creation_time: new Date(quota.created_at).toISOString(),
    update_time: new Date(quota.updated_at).toISOString(),
  };
}
