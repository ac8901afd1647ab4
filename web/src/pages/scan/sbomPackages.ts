import type { SpdxDocument } from '../../api/scan-report-models';

/** One package of an SPDX document as the SBOM table shows it. */
export interface SbomPackageRow {
  key: string;
  name: string;
  version: string;
  license: string;
  purl: string;
}

/** SPDX's "we do not know" and "none" are no licence to show. */
const NO_LICENCE = new Set(['', 'NOASSERTION', 'NONE']);

export function sbomPackages(document: SpdxDocument | undefined): SbomPackageRow[] {
  const packages = Array.isArray(document?.packages) ? document.packages : [];
  return packages.map((pkg, index) => {
    const declared = typeof pkg.licenseDeclared === 'string' ? pkg.licenseDeclared : '';
    const concluded = typeof pkg.licenseConcluded === 'string' ? pkg.licenseConcluded : '';
    const purl = Array.isArray(pkg.externalRefs) ? pkg.externalRefs.find((ref) => ref.referenceType === 'purl')?.referenceLocator : undefined;
    return {
      key: pkg.SPDXID ?? String(index),
      name: typeof pkg.name === 'string' ? pkg.name : '',
      version: typeof pkg.versionInfo === 'string' ? pkg.versionInfo : '',
      license: [declared, concluded].find((licence) => !NO_LICENCE.has(licence)) ?? '',
      purl: typeof purl === 'string' ? purl : '',
    };
  });
}

/** `<repository>_<tag or digest>.spdx.json`, with the characters a file name cannot hold replaced. */
export function sbomFileName(path: string, tagOrDigest: string): string {
  return `${path}_${tagOrDigest}.spdx.json`.replace(/[/\\:*?"<>|]/g, '_');
}

/** Saves the document as the browser's download, byte for byte as the accessory holds it. */
export function saveDocument(text: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/spdx+json' }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // The click has handed the blob to the download; the address may go once this task ends.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
