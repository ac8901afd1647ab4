import type { Database } from '../platform/db/index.js';
import { OciError } from '../platform/errors/oci.js';
import { QuotaExceededError } from '../projects/index.js';
import { recordEvent } from '../platform/events/index.js';

/** The registry's answer to content a project's quota cannot take: DENIED, saying the quota. */
export function quotaDenied(err: QuotaExceededError): OciError {
  return new OciError('DENIED', { adding: err.adding, used: err.used, hard: err.hard }, `quota exceeded: ${err.message}`);
}

/** Runs work that charges a quota, turning a refusal into the registry's error (after `refused` noted it). */
export async function chargingQuota<T>(work: () => Promise<T>, refused?: (err: QuotaExceededError) => Promise<void>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof QuotaExceededError) {
      await refused?.(err);
      throw quotaDenied(err);
    }
    throw err;
  }
}

/**
 * The outbox's QUOTA_EXCEED event for a refused push. The refusing transaction rolled back,
 * so this is a small transaction of its own; losing it must not change the client's answer.
 */
export async function recordQuotaExceeded(
  database: Database,
  event: { projectId: number; repository: string; digest: string; tag: string | null; operator: string; at: number },
): Promise<void> {
  try {
    await recordEvent(database.db, { type: 'QUOTA_EXCEED', ...event });
  } catch {
    // Best effort: the push was refused either way.
  }
}
