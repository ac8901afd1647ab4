import type { ImageInventory } from '../inventory/types.js';
import { combineLicenses } from './licenses.js';
import { orderPackages, sanitizeId } from './packages.js';
import { documentSeed, imageName, imagePurl, timestamp, uuidFromSeed, type SbomOptions, type SbomSubject } from './subject.js';

/** The media type of an SPDX JSON document. */
export const SPDX_JSON = 'application/spdx+json';

export interface SpdxExternalRef {
  referenceCategory: 'PACKAGE-MANAGER' | 'SECURITY' | 'PERSISTENT-ID' | 'OTHER';
  referenceType: string;
  referenceLocator: string;
}

export interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  downloadLocation: 'NOASSERTION';
  filesAnalyzed: false;
  licenseConcluded: 'NOASSERTION';
  licenseDeclared: string;
  copyrightText?: 'NOASSERTION';
  primaryPackagePurpose?: 'CONTAINER' | 'OPERATING_SYSTEM' | 'LIBRARY' | 'APPLICATION';
  checksums?: { algorithm: 'SHA256'; checksumValue: string }[];
  externalRefs?: SpdxExternalRef[];
  sourceInfo?: string;
  supplier?: string;
  comment?: string;
}

export interface SpdxRelationship {
  spdxElementId: string;
  relationshipType: 'DESCRIBES' | 'CONTAINS';
  relatedSpdxElement: string;
}

/** An SPDX 2.3 JSON document, as much of it as Berth writes. */
export interface SpdxDocument {
  spdxVersion: 'SPDX-2.3';
  dataLicense: 'CC0-1.0';
  SPDXID: 'SPDXRef-DOCUMENT';
  name: string;
  documentNamespace: string;
  creationInfo: { creators: string[]; created: string };
  packages: SpdxPackage[];
  relationships: SpdxRelationship[];
}

const DOCUMENT_ID = 'SPDXRef-DOCUMENT';
const IMAGE_ID = 'SPDXRef-Image';
const OS_ID = 'SPDXRef-OperatingSystem';

/**
 * The inventory as an SPDX 2.3 document: the image (a CONTAINER package the document DESCRIBES),
 * its operating system, and one package per installed package, each CONTAINed by the operating
 * system when its package manager installed it, else by the image. Packages are in purl order,
 * so the same inventory, subject and options give the same bytes.
 */
export function toSpdx(inventory: ImageInventory, subject: SbomSubject, options: SbomOptions): SpdxDocument {
  const uuid = uuidFromSeed(documentSeed(subject, options));
  const namespacePath = subject.repository.split('/').map(encodeURIComponent).join('/');
  const image: SpdxPackage = {
    SPDXID: IMAGE_ID,
    name: imageName(subject),
    versionInfo: subject.digest,
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    primaryPackagePurpose: 'CONTAINER',
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: imagePurl(subject) }],
    ...digestChecksum(subject.digest),
  };
  const packages: SpdxPackage[] = [image];
  const relationships: SpdxRelationship[] = [{ spdxElementId: DOCUMENT_ID, relationshipType: 'DESCRIBES', relatedSpdxElement: IMAGE_ID }];
  const os = inventory.os;
  if (os) {
    packages.push({
      SPDXID: OS_ID,
      name: os.family,
      versionInfo: os.version,
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      primaryPackagePurpose: 'OPERATING_SYSTEM',
      ...(os.prettyName ? { comment: os.prettyName } : {}),
    });
    relationships.push({ spdxElementId: IMAGE_ID, relationshipType: 'CONTAINS', relatedSpdxElement: OS_ID });
  }
  for (const { pkg, id, fromOs } of orderPackages(inventory)) {
    const spdxId = `SPDXRef-${id}`;
    packages.push({
      SPDXID: spdxId,
      name: pkg.name,
      versionInfo: pkg.version,
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: combineLicenses(pkg.licenses)?.expression ?? 'NOASSERTION',
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: pkg.purl }],
      sourceInfo: `${pkg.type} package read from layer ${pkg.layerDigest}, file /${pkg.path}`,
    });
    relationships.push({ spdxElementId: fromOs && os ? OS_ID : IMAGE_ID, relationshipType: 'CONTAINS', relatedSpdxElement: spdxId });
  }
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: DOCUMENT_ID,
    name: imageName(subject),
    documentNamespace: `https://${subject.registryHost}/spdx/${namespacePath}-${uuid}`,
    creationInfo: { creators: [`Tool: berth-${sanitizeId(options.toolVersion)}`], created: timestamp(options.created) },
    packages,
    relationships,
  };
}

function digestChecksum(digest: string): Pick<SpdxPackage, 'checksums'> {
  const match = /^sha256:([0-9a-f]{64})$/.exec(digest);
  return match ? { checksums: [{ algorithm: 'SHA256', checksumValue: match[1]! }] } : {};
}
