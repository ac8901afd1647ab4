/**
 * The vulnerability report (`…/additions/vulnerabilities`) and the SPDX document of an SBOM
 * accessory (`…/additions/sbom`). The OpenAPI document declares both as free-form JSON, so the
 * portal states here the parts it reads; every field is optional where a scanner may leave it out.
 */

export interface PreferredCvss {
  score_v3?: number;
  score_v2?: number;
  vector_v3?: string;
  vector_v2?: string;
}

/** Harbor's VulnerabilityItem, with what Berth adds under `vendor_attributes`. */
export interface VulnerabilityItem {
  id: string;
  package: string;
  version: string;
  fix_version?: string;
  severity: string;
  description?: string;
  links?: string[];
  preferred_cvss?: PreferredCvss;
  cwe_ids?: string[];
  vendor_attributes?: {
    advisory?: unknown;
    layer?: unknown;
    path?: unknown;
    reason?: unknown;
  };
}

export interface VulnerabilityReport {
  generated_at?: string;
  scanner?: { name: string; vendor: string; version: string };
  severity?: string;
  vulnerabilities?: VulnerabilityItem[];
}

/** The report by its MIME type, as Harbor's addition answers; `{}` when the artifact has none. */
export type VulnerabilityAddition = Record<string, VulnerabilityReport | undefined>;

export interface SpdxPackage {
  SPDXID?: string;
  name?: string;
  versionInfo?: string;
  licenseConcluded?: string;
  licenseDeclared?: string;
  primaryPackagePurpose?: string;
  externalRefs?: Array<{ referenceCategory?: string; referenceType?: string; referenceLocator?: string }>;
}

export interface SpdxDocument {
  spdxVersion?: string;
  name?: string;
  packages?: SpdxPackage[];
}
