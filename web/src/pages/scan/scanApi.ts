import { apiUrl, call, getJson, getText } from '../../api/client';
import type { SpdxDocument, VulnerabilityAddition, VulnerabilityReport } from '../../api/scan-report-models';
import { repositoryParams } from '../repository/links';

const ARTIFACT = '/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}';

/** Harbor's ScanType: a vulnerability scan, or an SBOM generation. */
export type ScanKind = 'vulnerability' | 'sbom';

/** Where one artifact of the project's repository is. */
export interface ArtifactAddress {
  projectName: string;
  path: string;
  digest: string;
}

function params({ projectName, path, digest }: ArtifactAddress): Record<string, string> {
  return { ...repositoryParams(projectName, path), reference: digest };
}

export function startScan(address: ArtifactAddress, kind: ScanKind): Promise<void> {
  return call('POST', apiUrl(`${ARTIFACT}/scan` as const, params(address)), { scan_type: kind });
}

export function stopScan(address: ArtifactAddress, kind: ScanKind): Promise<void> {
  return call('POST', apiUrl(`${ARTIFACT}/scan/stop` as const, params(address)), { scan_type: kind });
}

/** The scan's log as text, at an address a new browser tab can open with the session's cookie. */
export function scanLogUrl(address: ArtifactAddress, reportId: string): string {
  return apiUrl(`${ARTIFACT}/scan/{report_id}/log` as const, { ...params(address), report_id: reportId });
}

/** The artifact's vulnerability report: the first (Berth's only) report of the addition. */
export async function vulnerabilityReport(address: ArtifactAddress): Promise<VulnerabilityReport | undefined> {
  const addition = await getJson<VulnerabilityAddition>(apiUrl(`${ARTIFACT}/additions/vulnerabilities` as const, params(address)));
  return Object.values(addition).find((report) => report !== undefined);
}

/** The SBOM accessory's document, as stored (for the download) and as read (for the table). */
export async function sbomDocument(address: ArtifactAddress): Promise<{ text: string; document: SpdxDocument }> {
  const text = await getText(apiUrl(`${ARTIFACT}/additions/{addition}` as const, { ...params(address), addition: 'sbom' }));
  return { text, document: JSON.parse(text) as SpdxDocument };
}
