/**
 * Harbor's vulnerability report (pluggable scanner spec v1.1, `HarborVulnerabilityReport`), the
 * shape the built-in scanner produces, external scanner adapters return, and
 * `…/additions/vulnerabilities` serves.
 */

export type Severity = 'Unknown' | 'Negligible' | 'Low' | 'Medium' | 'High' | 'Critical';

/** Severities from least to most severe; a report's overall severity is the highest of its items. */
export const SEVERITY_ORDER: readonly Severity[] = ['Unknown', 'Negligible', 'Low', 'Medium', 'High', 'Critical'];

export interface PreferredCvss {
  score_v3?: number;
  score_v2?: number;
  vector_v3?: string;
  vector_v2?: string;
}

export interface VulnerabilityItem {
  /** The CVE alias when the advisory has one, else the advisory id (GHSA-…, DSA-…, GO-…). */
  id: string;
  /** The installed (binary) package name. */
  package: string;
  /** The installed version. */
  version: string;
  /** The first version that fixes it, or '' when no fix is known. */
  fix_version: string;
  severity: Severity;
  description: string;
  links: string[];
  preferred_cvss?: PreferredCvss;
  cwe_ids?: string[];
  /**
   * Berth adds, under `vendor_attributes`: `advisory` (the OSV id matched), `ecosystem`, `purl`,
   * `layer` (digest of the layer that brought the package), `path` (the file it was read from) and
   * `reason` (why it matched: the range and the comparison made).
   */
  vendor_attributes?: Record<string, unknown>;
}

export interface ReportArtifact {
  repository: string;
  digest: string;
  mime_type: string;
  tag?: string;
}

export interface ScannerIdentity {
  name: string;
  vendor: string;
  version: string;
}

export interface VulnerabilityReport {
  generated_at: string;
  artifact: ReportArtifact;
  scanner: ScannerIdentity;
  severity: Severity;
  vulnerabilities: VulnerabilityItem[];
  /** Berth adds `vulnerability_database`: when its data was imported, and whether that is older than `scan.vulndb.maxAgeDays`. */
  vendor_attributes?: Record<string, unknown>;
}
