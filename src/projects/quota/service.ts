import { recordAudit } from '../../audit/index.js';
import { identityName } from '../../auth/index.js';
import type { Database } from '../../platform/db/index.js';
import { NotFoundError } from '../../platform/errors/index.js';
import type { Actor } from '../service.js';
import * as repo from './repo.js';

/** Sets a quota's storage limit (-1 for unlimited), audited as an update of the project's quota. */
export async function setStorageLimit(database: Database, actor: Actor, id: number, storage: number, now: number): Promise<void> {
  await database.db.transaction().execute(async (trx) => {
    const quota = await repo.findQuota(trx, id);
    if (!quota) throw new NotFoundError('project', `quota ${id} not found`);
    await repo.setHardStorage(trx, id, storage, now);
    await recordAudit(trx, {
      projectId: quota.project_id,
      operation: 'update',
      resourceType: 'quota',
      resource: quota.project_name,
      username: identityName(actor.identity),
      clientIp: actor.clientIp,
      at: now,
    });
  });
}
