import type { PushGate } from '../../content/index.js';
import type { Executor } from '../../platform/db/index.js';
import type { Settings } from '../../platform/settings/index.js';
import { chargeStorage, crossedQuotaWarning, releaseStorage, roomForUploads, wouldExceed } from './ledger.js';

/**
 * The storage quota as a push gate: content tells it the bytes new to a project (a push, a
 * mount, a copy) in the transaction that adds them, and the bytes a project let go of. With
 * `quota_per_project_enable` off, usage is still counted but no limit refuses anything.
 */
export function quotaGate(settings: Pick<Settings, 'pick'>): PushGate {
  const enforced = async (db: Executor): Promise<boolean> => (await settings.pick(['quota_per_project_enable'], db)).quota_per_project_enable;
  return {
    name: 'quota',
    async bytesAdded(trx, { projectId, bytes, now }) {
      const enforce = await enforced(trx);
      const charge = await chargeStorage(trx, projectId, bytes, now, enforce);
      return { warning: enforce && crossedQuotaWarning(charge) };
    },
    async bytesReleased(trx, { projectId, bytes }) {
      await releaseStorage(trx, projectId, bytes);
    },
    async mayAdd(db, { projectId, bytes }) {
      if (!(await enforced(db))) return;
      const exceeded = await wouldExceed(db, projectId, bytes);
      if (exceeded) throw exceeded;
    },
    // Uploads and blobs no artifact holds yet count beside usage, so a project cannot pile up
    // bytes past its limit by never pushing a manifest; the manifest's charge makes them usage.
    async roomForUploads(db, { projectId, pending }) {
      if (!(await enforced(db))) return undefined;
      return roomForUploads(db, projectId, pending);
    },
  };
}
