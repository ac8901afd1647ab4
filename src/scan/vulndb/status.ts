import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/index.js';
import { readMeta, recordCounts, type EcosystemCount } from './repo.js';

const DAY_MS = 86_400_000;

export interface VulnDbStatus {
  /** Records that are matched (not withdrawn). */
  records: number;
  withdrawn: number;
  ecosystems: EcosystemCount[];
  /** Epoch ms of the last import or update; undefined before the first. */
  lastImportAt?: number;
  lastUpdateAt?: number;
  lastSource?: string;
}

function time(value: string | undefined): number | undefined {
  const n = value === undefined ? NaN : Number(value);
  return Number.isFinite(n) ? n : undefined;
}

export async function vulnDbStatus(database: Database): Promise<VulnDbStatus> {
  const [counts, meta] = await Promise.all([recordCounts(database.db), readMeta(database.db)]);
  const lastImportAt = time(meta.get('last_import_at'));
  const lastUpdateAt = time(meta.get('last_update_at'));
  const lastSource = meta.get('last_import_source');
  return {
    ...counts,
    ...(lastImportAt !== undefined ? { lastImportAt } : {}),
    ...(lastUpdateAt !== undefined ? { lastUpdateAt } : {}),
    ...(lastSource !== undefined ? { lastSource } : {}),
  };
}

/**
 * How old the data is: the time since the last import or update, in milliseconds, or undefined
 * when nothing was ever imported. (An import that found every record unchanged still counts: the
 * data was checked against its source then.)
 */
export async function databaseAge(database: Database, clock: Clock): Promise<number | undefined> {
  const at = time((await readMeta(database.db)).get('last_import_at'));
  return at === undefined ? undefined : Math.max(0, clock.now() - at);
}

/** Whether a scan should say its advisories are out of date: never imported, or older than `maxAgeDays`. */
export async function isStale(database: Database, clock: Clock, maxAgeDays: number): Promise<boolean> {
  const age = await databaseAge(database, clock);
  return age === undefined || age > maxAgeDays * DAY_MS;
}

/** `berth vulndb status` output. */
export function describeStatus(status: VulnDbStatus, now: number): string[] {
  const lines = [`${status.records} advisories (${status.withdrawn} withdrawn, not matched)`];
  if (status.lastImportAt === undefined) lines.push('never imported: run "berth vulndb import FILE|DIR..." or "berth vulndb update"');
  else {
    const days = (now - status.lastImportAt) / DAY_MS;
    lines.push(`last import ${new Date(status.lastImportAt).toISOString()} (${days.toFixed(1)} days ago) from ${status.lastSource ?? 'unknown'}`);
  }
  if (status.lastUpdateAt !== undefined) lines.push(`last update ${new Date(status.lastUpdateAt).toISOString()}`);
  for (const { ecosystem, records } of status.ecosystems) lines.push(`  ${ecosystem}\t${records}`);
  return lines;
}
