/** MIME types of Harbor's pluggable scanner API, as Harbor's client sends them (version=1.0 where it does). */
export const MIME = {
  metadata: 'application/vnd.scanner.adapter.metadata+json; version=1.0',
  scanRequest: 'application/vnd.scanner.adapter.scan.request+json; version=1.0',
  scanResponse: 'application/vnd.scanner.adapter.scan.response+json; version=1.0',
  harborReport: 'application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0',
  genericReport: 'application/vnd.security.vulnerability.report; version=1.1',
  error: 'application/vnd.scanner.adapter.error+json; version=1.0',
  /** Spec v1.2: the report wrapping an SBOM document (`{generated_at, artifact, scanner, media_type, sbom}`). */
  sbomReport: 'application/vnd.security.sbom.report+json; version=1.0',
} as const;

/** The report kind an SBOM generation's row is kept under (one per digest and registration, as Harbor's sbom_report). */
export const SBOM_REPORT_MIME = MIME.sbomReport;

/** The SBOM document formats of the spec; Harbor only ever asks for SPDX. */
export const SBOM_MEDIA_TYPES = { spdx: 'application/spdx+json', cyclonedx: 'application/vnd.cyclonedx+json' } as const;
export type SbomMediaType = (typeof SBOM_MEDIA_TYPES)[keyof typeof SBOM_MEDIA_TYPES];

/** The report kind Berth stores and shows in `scan_overview`, as Harbor does. */
export const REPORT_MIME = MIME.genericReport;

/** The two vulnerability report types a client may ask for; both carry the same JSON. */
export const VULNERABILITY_MIMES: readonly string[] = [MIME.genericReport, MIME.harborReport];

/** Manifests a scanner consumes: single-platform images. */
export const SCANNABLE_MANIFESTS: readonly string[] = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'];

/** `type; version=1.0` and `type;version=1.0` name the same thing. */
export function sameMime(a: string, b: string): boolean {
  const norm = (m: string) =>
    m
      .split(';')
      .map((p) => p.trim().toLowerCase())
      .join(';');
  return norm(a) === norm(b);
}

/** The MIME type without its parameters. */
export function mimeBase(m: string): string {
  return (m.split(';', 1)[0] ?? '').trim().toLowerCase();
}
