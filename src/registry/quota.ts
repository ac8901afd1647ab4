import { OciError } from '../errors/oci.js';
import { QuotaExceededError } from '../projects/index.js';

/** The registry's answer to content a project's quota cannot take: DENIED, saying the quota. */
export function quotaDenied(err: QuotaExceededError): OciError {
  return new OciError('DENIED', { adding: err.adding, used: err.used, hard: err.hard }, `quota exceeded: ${err.message}`);
}

/** Runs work that charges a quota, turning a refusal into the registry's error. */
export async function chargingQuota<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof QuotaExceededError) throw quotaDenied(err);
    throw err;
  }
}
