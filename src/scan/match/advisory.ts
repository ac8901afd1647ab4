import type { PreferredCvss, Severity } from '../report/types.js';
import type { OsvAffected } from '../versions/index.js';

/** One package an advisory names, with what a report needs of the advisory. */
export interface Advisory {
  /** The OSV id (GHSA-…, GO-…, DEBIAN-CVE-…). */
  id: string;
  /** Aliases, then upstream ids (a DEBIAN-CVE-… record names its CVE only as upstream). */
  aliases: readonly string[];
  /** The ecosystem as the advisory spells it (`Debian:12`, `Red Hat:enterprise_linux:9::appstream`). */
  ecosystem: string;
  package: string;
  affected: OsvAffected;
  ecosystemSpecific?: Record<string, unknown>;
  summary: string;
  details: string;
  links: readonly string[];
  cweIds: readonly string[];
  preferredCvss: PreferredCvss;
  /** From the record's CVSS score or its database's label; 'Unknown' without either. */
  severity: Severity;
  /** Epoch milliseconds. */
  modified: number;
}

/** Where the matcher finds advisories: the vulnerability database, or fixed records in a test. */
export interface AdvisorySource {
  /**
   * The advisories (not withdrawn) naming any of `packageNames` in `ecosystem` or one of its
   * sub-scopes (`Red Hat:enterprise_linux:9` includes `Red Hat:enterprise_linux:9::appstream`).
   * Callers send at most a few hundred names at a time.
   */
  advisoriesFor(ecosystem: string, packageNames: readonly string[]): Promise<Advisory[]>;
}
