import { z } from 'zod';
import type { CveAllowlistRow, Executor } from '../../platform/db/index.js';
import { InvalidInputError } from '../../platform/errors/index.js';

/** Harbor keeps the system's allowlist as the one of project 0. */
export const SYSTEM_ALLOWLIST = 0;
export const MAX_ALLOWLIST_ITEMS = 10_000;
const MAX_ID_LENGTH = 64;
/** A CVE id, or another advisory's (GHSA-…, DSA-…, GO-…, RUSTSEC-…): what scanners report as `id`. */
const VULNERABILITY_ID = /^(?:CVE-\d{4}-\d{4,}|(?!CVE-)[A-Za-z][A-Za-z0-9]*(?:[-_.:][A-Za-z0-9]+)+)$/i;
/** Expiry beyond year 9999 is refused: a date no one means, and one the engines may not hold. */
const MAX_EXPIRES_AT = 253_402_300_799;

/** Harbor's CVEAllowlist as a request: only `items` and `expires_at` are taken; the rest is what a GET answered. */
export const cveAllowlistReq = z.object({
  id: z.number().optional(),
  project_id: z.number().optional(),
  expires_at: z.number().int().min(0).max(MAX_EXPIRES_AT).nullable().optional(),
  items: z
    .array(z.object({ cve_id: z.string().max(MAX_ID_LENGTH * 4) }))
    .max(MAX_ALLOWLIST_ITEMS, `an allowlist holds at most ${MAX_ALLOWLIST_ITEMS} items`)
    .nullable()
    .optional(),
  creation_time: z.string().optional(),
  update_time: z.string().optional(),
});
export type CveAllowlistReq = z.infer<typeof cveAllowlistReq>;

/** What is stored: the ids (trimmed, deduplicated, in the order given) and the expiry. */
export interface AllowlistInput {
  items: string[];
  expiresAt: number | null;
}

export function validateAllowlist(req: CveAllowlistReq): AllowlistInput {
  const seen = new Set<string>();
  for (const item of req.items ?? []) {
    const id = item.cve_id.trim();
    if (id.length === 0 || id.length > MAX_ID_LENGTH || !VULNERABILITY_ID.test(id)) {
      const shown = id.length > 64 ? `${id.slice(0, 64)}…` : id;
      throw new InvalidInputError('input', `invalid vulnerability id "${shown}": use a CVE id such as CVE-2019-10164, or another advisory id (GHSA-…)`);
    }
    seen.add(id);
  }
  return { items: [...seen], expiresAt: req.expires_at ?? null };
}

/** Harbor's CVEAllowlist JSON; a project without a row has an empty one that never expires. */
export interface CveAllowlistJson {
  id: number;
  project_id: number;
  expires_at: number | null;
  items: Array<{ cve_id: string }>;
  creation_time: string;
  update_time: string;
}

function storedItems(row: CveAllowlistRow): string[] {
  try {
    const parsed: unknown = JSON.parse(row.items);
    return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

export function allowlistJson(row: CveAllowlistRow | undefined, projectId: number, fallbackTimes: { created: number; updated: number }): CveAllowlistJson {
  return {
    id: row?.id ?? 0,
    project_id: projectId,
    expires_at: row?.expires_at === undefined || row.expires_at === null ? null : Number(row.expires_at),
    items: row ? storedItems(row).map((cve_id) => ({ cve_id })) : [],
    creation_time: new Date(row ? Number(row.created_at) : fallbackTimes.created).toISOString(),
    update_time: new Date(row ? Number(row.updated_at) : fallbackTimes.updated).toISOString(),
  };
}

export function findAllowlist(db: Executor, projectId: number): Promise<CveAllowlistRow | undefined> {
  return db.selectFrom('cve_allowlists').selectAll().where('project_id', '=', projectId).executeTakeFirst();
}

export async function allowlistsOf(db: Executor, projectIds: readonly number[]): Promise<Map<number, CveAllowlistRow>> {
  const out = new Map<number, CveAllowlistRow>();
  if (projectIds.length === 0) return out;
  for (let i = 0; i < projectIds.length; i += 500) {
    const rows = await db
      .selectFrom('cve_allowlists')
      .selectAll()
      .where('project_id', 'in', projectIds.slice(i, i + 500))
      .execute();
    for (const row of rows) out.set(Number(row.project_id), row);
  }
  return out;
}

/** Replaces the list of a project (or of the system, project 0), as Harbor's PUT does. */
export async function saveAllowlist(db: Executor, projectId: number, input: AllowlistInput, now: number): Promise<void> {
  const items = JSON.stringify(input.items);
  await db
    .insertInto('cve_allowlists')
    .values({ project_id: projectId, expires_at: input.expiresAt, items, created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('project_id').doUpdateSet({ expires_at: input.expiresAt, items, updated_at: now }))
    .execute();
}

export async function deleteAllowlist(db: Executor, projectId: number): Promise<void> {
  await db.deleteFrom('cve_allowlists').where('project_id', '=', projectId).execute();
}

/** Harbor's rule: a list expires once `now` reaches `expires_at`. */
function expired(row: CveAllowlistRow, nowMs: number): boolean {
  return row.expires_at !== null && Math.floor(nowMs / 1000) >= Number(row.expires_at);
}

/**
 * The ids a project's vulnerability policy lets pass: the system's list when the project
 * reuses it (Harbor's default when `reuse_sys_cve_allowlist` is unset), else the project's
 * own; an expired list lets nothing pass.
 */
export async function effectiveAllowlist(db: Executor, projectId: number, reuseSystem: boolean, nowMs: number): Promise<ReadonlySet<string>> {
  const row = await findAllowlist(db, reuseSystem ? SYSTEM_ALLOWLIST : projectId);
  if (!row || expired(row, nowMs)) return new Set();
  return new Set(storedItems(row));
}
