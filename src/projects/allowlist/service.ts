import { recordAudit } from '../../audit/index.js';
import { identityName, type Identity } from '../../auth/index.js';
import type { Database } from '../../platform/db/index.js';
import { saveAllowlist, SYSTEM_ALLOWLIST, type AllowlistInput } from './allowlist.js';

/** Replaces the system allowlist and records who did it. */
export async function replaceSystemAllowlist(
  database: Database,
  input: AllowlistInput,
  actor: { identity: Identity; clientIp: string },
  now: number,
): Promise<void> {
  await database.db.transaction().execute(async (trx) => {
    await saveAllowlist(trx, SYSTEM_ALLOWLIST, input, now);
    await recordAudit(trx, {
      projectId: null,
      operation: 'update',
      resourceType: 'configuration',
      resource: 'system CVE allowlist',
      username: identityName(actor.identity),
      clientIp: actor.clientIp,
      at: now,
    });
  });
}
