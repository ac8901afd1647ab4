import type { PushGate } from '../../content/index.js';
import { chargeStorage, crossedQuotaWarning, releaseStorage, roomForUploads, wouldExceed } from './ledger.js';

/**
 * The storage quota as a push gate: content tells it the bytes new to a project (a push, a
 * mount, a copy) in the transaction that adds them, and the bytes a project let go of.
 */
export const quotaGate: PushGate = {
  name: 'quota',
  async bytesAdded(trx, { projectId, bytes, now }) {
    return { warning: crossedQuotaWarning(await chargeStorage(trx, projectId, bytes, now)) };
  },
  async bytesReleased(trx, { projectId, bytes }) {
    await releaseStorage(trx, projectId, bytes);
  },
  async mayAdd(db, { projectId, bytes }) {
    const exceeded = await wouldExceed(db, projectId, bytes);
    if (exceeded) throw exceeded;
  },
  // Uploads and blobs no artifact holds yet count beside usage, so a project cannot pile up
  // bytes past its limit by never pushing a manifest; the manifest's charge makes them usage.
  roomForUploads(db, { projectId, pending }) {
    return roomForUploads(db, projectId, pending);
  },
};
