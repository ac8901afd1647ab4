/**
 * What the scanner, scan-all and security hub pages read. The server's OpenAPI document does not
 * describe these definitions yet, so they are written out here after the shapes the server sends
 * (src/scan/registrations/shapes.ts, src/scan/all/service.ts, src/scan/hub/service.ts).
 */

/** How Berth authenticates to an adapter; '' is none, APIKey is the X-ScannerAdapter-API-Key header. */
export type ScannerAuth = '' | 'Basic' | 'Bearer' | 'APIKey';

/** Harbor's ScannerRegistration; `access_credential` comes back masked. */
export interface ScannerRegistration {
  uuid: string;
  name: string;
  description: string;
  url: string;
  disabled: boolean;
  is_default: boolean;
  auth: string;
  access_credential: string;
  skip_certVerify: boolean;
  use_internal_addr: boolean;
  create_time: string;
  update_time: string;
  adapter: string;
  vendor: string;
  version: string;
  health: string;
  capabilities: Record<string, boolean>;
}

/** Harbor's ScannerRegistrationReq (POST and PUT /scanners). */
export interface ScannerRegistrationReq {
  name: string;
  description: string;
  url: string;
  auth: ScannerAuth;
  access_credential?: string;
  skip_certVerify: boolean;
  use_internal_addr: boolean;
  disabled: boolean;
}

/** Harbor's ScannerAdapterMetadata. */
export interface ScannerMetadata {
  scanner: { name: string; vendor: string; version: string };
  capabilities: Array<{ type?: string; consumes_mime_types: string[]; produces_mime_types: string[] }>;
  properties?: Record<string, string>;
}

/** The metadata property in which an adapter says when its vulnerability data was last updated. */
export const DATABASE_UPDATED_AT = 'harbor.scanner-adapter/vulnerability-database-updated-at';

/** Harbor's Stats of the latest scan-all run: its scans counted by task status. */
export interface ScanAllStats {
  total: number;
  completed: number;
  metrics: Record<string, number>;
  requester?: string;
  ongoing: boolean;
  trigger?: 'Manual' | 'Schedule' | 'Event';
}

/** Harbor's Schedule answer of GET /system/scanAll/schedule. */
export interface ScanAllSchedule {
  id?: number;
  schedule?: { type: string; cron?: string; next_scheduled_time?: string };
}

/** Harbor's DangerousCVE. */
export interface DangerousCve {
  cve_id: string;
  severity: string;
  cvss_score_v3?: number;
  desc: string;
  package: string;
  version: string;
}

/** Harbor's DangerousArtifact. */
export interface DangerousArtifact {
  project_id: number;
  repository_name: string;
  digest: string;
  critical_cnt: number;
  high_cnt: number;
  medium_cnt: number;
}

/** Harbor's SecuritySummary; `none_cnt` is Harbor's "None" severity, Berth's Negligible. */
export interface SecuritySummary {
  critical_cnt: number;
  high_cnt: number;
  medium_cnt: number;
  low_cnt: number;
  none_cnt: number;
  unknown_cnt: number;
  total_vuls: number;
  scanned_cnt: number;
  total_artifact: number;
  fixable_cnt: number;
  dangerous_cves?: DangerousCve[];
  dangerous_artifacts?: DangerousArtifact[];
}

/** Harbor's VulnerabilityItem of GET /security/vul. */
export interface HubVulnerability {
  project_id: number;
  repository_name: string;
  digest: string;
  tags?: string[];
  cve_id: string;
  severity: string;
  cvss_v3_score?: number;
  package: string;
  version: string;
  fixed_version: string;
  desc: string;
  links: string[];
}

/** Harbor's ScanDataExportExecution: one CVE export, its state, and whether its file is there to download. */
export interface CveExportExecution {
  id: number;
  user_id: number;
  user_name: string;
  status: string;
  status_text: string;
  trigger: string;
  start_time?: string;
  end_time?: string;
  file_present: boolean;
  job_name: string;
}
