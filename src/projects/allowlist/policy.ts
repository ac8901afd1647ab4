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

/** The project metadata the vulnerability policy reads. */
export const VULNERABILITY_METADATA = ['prevent_vul', 'severity', 'reuse_sys_cve_allowlist'] as const;

/**
 * The vulnerability policy of a project from its pull metadata (pull-metadata.ts), or undefined
 * when `prevent_vul` is off; the allowlist is read only when the policy is on.
 */
export async function vulnerabilityPolicy(
  db: Executor,
  projectId: number,
  meta: ReadonlyMap<string, string>,
  nowMs: number,
): Promise<VulnerabilityPolicy | undefined> {
  if (!isTrue(meta.get('prevent_vul'))) return undefined;
  // Unset means reuse the system's list, as in Harbor.
  const reuse = meta.has('reuse_sys_cve_allowlist') ? isTrue(meta.get('reuse_sys_cve_allowlist')) : true;
  return { severity: meta.get('severity') ?? '', allowlist: await effectiveAllowlist(db, projectId, reuse, nowMs) };
}
