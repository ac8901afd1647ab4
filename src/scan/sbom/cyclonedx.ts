import type { ImageInventory, LayeredPackage } from '../inventory/types.js';
import { combineLicenses } from './licenses.js';
import { orderPackages } from './packages.js';
import { documentSeed, imageName, imagePurl, timestamp, uuidFromSeed, type SbomOptions, type SbomSubject } from './subject.js';

/** The media type of a CycloneDX JSON document. */
export const CYCLONEDX_JSON = 'application/vnd.cyclonedx+json';

export interface CycloneDxProperty {
  name: string;
  value: string;
}

/** CycloneDX 1.6 `licenseChoice`: listed licenses by id, anything else as one expression. */
export type CycloneDxLicenses = { license: { id: string } }[] | [{ expression: string }];

export interface CycloneDxComponent {
  'bom-ref': string;
  type: 'container' | 'operating-system' | 'library';
  name: string;
  version?: string;
  purl?: string;
  description?: string;
  licenses?: CycloneDxLicenses;
  properties?: CycloneDxProperty[];
}

export interface CycloneDxBom {
  $schema: string;
  bomFormat: 'CycloneDX';
  specVersion: '1.6';
  serialNumber: string;
  version: 1;
  metadata: {
    timestamp: string;
    tools: { components: { type: 'application'; name: 'berth'; version: string }[] };
    component: CycloneDxComponent;
  };
  components: CycloneDxComponent[];
  dependencies: { ref: string; dependsOn: string[] }[];
}

const OS_REF = 'operating-system';

/**
 * The inventory as a CycloneDX 1.6 BOM: the image as the metadata's `container` component, its
 * operating system and every package as components (in purl order), and one dependency entry
 * saying the image holds them all. Berth's own facts (layer, file, package type) are
 * `berth:`-prefixed properties.
 */
export function toCycloneDx(inventory: ImageInventory, subject: SbomSubject, options: SbomOptions): CycloneDxBom {
  const imageRef = imagePurl(subject);
  const components: CycloneDxComponent[] = [];
  if (inventory.os) {
    components.push({
      'bom-ref': OS_REF,
      type: 'operating-system',
      name: inventory.os.family,
      version: inventory.os.version,
      ...(inventory.os.prettyName ? { description: inventory.os.prettyName } : {}),
    });
  }
  for (const { pkg, id } of orderPackages(inventory)) {
    const licenses = cycloneDxLicenses(pkg);
    components.push({
      'bom-ref': id,
      type: 'library',
      name: pkg.name,
      version: pkg.version,
      purl: pkg.purl,
      ...(licenses ? { licenses } : {}),
      properties: properties(pkg),
    });
  }
  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${uuidFromSeed(documentSeed(subject, options))}`,
    version: 1,
    metadata: {
      timestamp: timestamp(options.created),
      tools: { components: [{ type: 'application', name: 'berth', version: options.toolVersion }] },
      component: {
        'bom-ref': imageRef,
        type: 'container',
        name: imageName(subject),
        version: subject.digest,
        purl: imageRef,
        properties: [{ name: 'berth:manifest:media_type', value: subject.mediaType }],
      },
    },
    components,
    dependencies: [{ ref: imageRef, dependsOn: components.map((c) => c['bom-ref']) }],
  };
}

function cycloneDxLicenses(pkg: LayeredPackage): CycloneDxLicenses | undefined {
  const combined = combineLicenses(pkg.licenses);
  if (!combined) return undefined;
  return combined.singleListedId ? [{ license: { id: combined.expression } }] : [{ expression: combined.expression }];
}

function properties(pkg: LayeredPackage): CycloneDxProperty[] {
  const out: CycloneDxProperty[] = [
    { name: 'berth:package:type', value: pkg.type },
    { name: 'berth:package:path', value: pkg.path },
    { name: 'berth:layer:digest', value: pkg.layerDigest },
  ];
  if (pkg.layerDiffId !== undefined) out.push({ name: 'berth:layer:diff_id', value: pkg.layerDiffId });
  if (pkg.sourceName !== undefined) out.push({ name: 'berth:package:source_name', value: pkg.sourceName });
  if (pkg.sourceVersion !== undefined) out.push({ name: 'berth:package:source_version', value: pkg.sourceVersion });
  if (pkg.arch !== undefined) out.push({ name: 'berth:package:arch', value: pkg.arch });
  return out;
}
