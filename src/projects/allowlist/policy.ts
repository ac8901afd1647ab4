import type { Executor } from '../../platform/db/index.js';
import { effectiveAllowlist } from './allowlist.js';

/** A project's "prevent vulnerable images" setting, as its metadata holds it. */
export interface VulnerabilityPolicy {
  /** The project's `severity` ("none", "low", "medium", "high", "critical"), '' when unset. */
  severity: string;
  /** Ids that do not count, from the effective, unexpired allowlist. */
  allowlist: ReadonlySet<string>;
}

/** Harbor's truth for a metadata flag: "true" or "1", in any case. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && (value.toLowerCase() === 'true' || value === '1');
}

/**
 * The vulnerability policy of a project, or undefined when `prevent_vul` is off: one small
 * metadata read per pull, and the allowlist only when the policy is on.
 */
export async function vulnerabilityPolicy(db: Executor, projectId: number, nowMs: number): Promise<VulnerabilityPolicy | undefined> {
  const rows = await db
    .selectFrom('project_metadata')
    .select(['name', 'value'])
    .where('project_id', '=', projectId)
    .where('name', 'in', ['prevent_vul', 'severity', 'reuse_sys_cve_allowlist'])
    .execute();
  const meta = new Map(rows.map((r) => [r.name, r.value]));
  if (!isTrue(meta.get('prevent_vul'))) return undefined;
  // Unset means reuse the system's list, as in Harbor.
  const reuse = meta.has('reuse_sys_cve_allowlist') ? isTrue(meta.get('reuse_sys_cve_allowlist')) : true;
  return { severity: meta.get('severity') ?? '', allowlist: await effectiveAllowlist(db, projectId, reuse, nowMs) };
}
