import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImageInventory, LayeredPackage } from '../inventory/types.js';
import { everyTypeInventory, LAYER, machineInventory } from './inventory.suite.js';
import { cycloneDxValidator } from './cyclonedx-schema.suite.js';
import { SPDX_SCHEMA, spdxValidator } from './spdx-schema.suite.js';
import { toCycloneDx, toSpdx, type CycloneDxBom, type SbomSubject, type SpdxDocument } from './index.js';

const SUBJECT: SbomSubject = {
  registryHost: 'registry.example.com:5000',
  repository: 'library/app',
  digest: 'sha256:4f3a1c0e8b7d6a5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c',
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  tag: 'v1.2',
};
const OPTIONS = { created: new Date('2025-03-04T05:06:07.890Z'), toolVersion: '0.1.0' };

const validator = spdxValidator();
const schemaSkip = validator ? false : `the SPDX 2.3 schema is missing at ${SPDX_SCHEMA} (clone shared/ beside the repository)`;

function assertValidSpdx(document: SpdxDocument): void {
  const ok = validator!(JSON.parse(JSON.stringify(document)));
  assert.ok(ok, JSON.stringify(validator!.errors?.slice(0, 5), null, 1));
}

const cycloneDx = cycloneDxValidator();

function assertValidCycloneDx(bom: CycloneDxBom): void {
  const ok = cycloneDx(JSON.parse(JSON.stringify(bom)));
  assert.ok(ok, JSON.stringify(cycloneDx.errors?.slice(0, 5), null, 1));
}

/** What any SPDX consumer relies on beyond the schema: unique ids of the allowed form, relationships between existing elements. */
function assertConsistentSpdx(document: SpdxDocument): void {
  const ids = new Set<string>();
  for (const p of document.packages) {
    assert.match(p.SPDXID, /^SPDXRef-[A-Za-z0-9.-]+$/);
    assert.ok(!ids.has(p.SPDXID), `duplicate ${p.SPDXID}`);
    ids.add(p.SPDXID);
  }
  for (const r of document.relationships) {
    assert.ok(r.spdxElementId === 'SPDXRef-DOCUMENT' || ids.has(r.spdxElementId), r.spdxElementId);
    assert.ok(ids.has(r.relatedSpdxElement), r.relatedSpdxElement);
  }
}

function packageNamed(document: SpdxDocument, name: string) {
  const found = document.packages.find((p) => p.name === name);
  assert.ok(found, `no package ${name}`);
  return found;
}

describe('SPDX 2.3 from an image inventory', () => {
  it('the machine’s own dpkg packages make a document that validates against the SPDX 2.3 schema', { skip: schemaSkip }, (t) => {
    const inventory = machineInventory();
    if (!inventory) return t.skip('this machine has no /var/lib/dpkg/status');
    assert.ok(inventory.packages.length > 20, 'the machine lists its installed packages');
    const document = toSpdx(inventory, SUBJECT, OPTIONS);
    assertValidSpdx(document);
    assertConsistentSpdx(document);
    assert.equal(document.packages.length, inventory.packages.length + 2);
    const dpkg = packageNamed(document, 'dpkg');
    assert.equal(dpkg.externalRefs?.[0]?.referenceLocator, inventory.packages.find((p) => p.name === 'dpkg')!.purl);
    assert.ok(
      document.relationships.some((r) => r.spdxElementId === 'SPDXRef-OperatingSystem' && r.relatedSpdxElement === dpkg.SPDXID && r.relationshipType === 'CONTAINS'),
    );
  });

  it('every package type, licenses good and bad, gives a valid document saying what a reader needs', { skip: schemaSkip }, () => {
    const document = toSpdx(everyTypeInventory(), SUBJECT, OPTIONS);
    assertValidSpdx(document);
    assertConsistentSpdx(document);
    assert.equal(document.spdxVersion, 'SPDX-2.3');
    assert.equal(document.dataLicense, 'CC0-1.0');
    assert.equal(document.SPDXID, 'SPDXRef-DOCUMENT');
    assert.deepEqual(document.creationInfo, { creators: ['Tool: berth-0.1.0'], created: '2025-03-04T05:06:07Z' });
    assert.match(
      document.documentNamespace,
      /^https:\/\/registry\.example\.com:5000\/spdx\/library\/app-[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );

    const image = document.packages[0]!;
    assert.equal(image.primaryPackagePurpose, 'CONTAINER');
    assert.equal(image.name, 'registry.example.com:5000/library/app:v1.2');
    assert.deepEqual(image.externalRefs, [
      {
        referenceCategory: 'PACKAGE-MANAGER',
        referenceType: 'purl',
        referenceLocator: `pkg:oci/app@sha256%3A${SUBJECT.digest.slice(7)}?repository_url=registry.example.com:5000/library/app&tag=v1.2`,
      },
    ]);
    assert.deepEqual(document.relationships[0], { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: image.SPDXID });
    const os = packageNamed(document, 'alpine');
    assert.equal(os.primaryPackagePurpose, 'OPERATING_SYSTEM');
    assert.equal(os.versionInfo, '3.19.1');

    // OS packages hang off the operating system, language packages off the image.
    const containerOf = (name: string) => document.relationships.find((r) => r.relatedSpdxElement === packageNamed(document, name).SPDXID)!.spdxElementId;
    assert.equal(containerOf('musl'), os.SPDXID);
    assert.equal(containerOf('openssl-libs'), os.SPDXID);
    assert.equal(containerOf('requests'), image.SPDXID);

    const log4j = packageNamed(document, 'org.apache.logging.log4j:log4j-core');
    assert.equal(log4j.versionInfo, '2.14.1');
    assert.equal(log4j.downloadLocation, 'NOASSERTION');
    assert.equal(log4j.licenseConcluded, 'NOASSERTION');
    assert.equal(log4j.filesAnalyzed, false);
    assert.equal(log4j.licenseDeclared, '(Apache-2.0 OR MIT) AND LicenseRef-Proprietary');
    assert.equal(log4j.sourceInfo, `jar package read from layer ${everyTypeInventory().packages[7]!.layerDigest}, file /opt/app/lib/log4j-core-2.14.1.jar`);
    assert.deepEqual(log4j.externalRefs, [
      { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1' },
    ]);
    assert.equal(packageNamed(document, 'musl').licenseDeclared, 'MIT');
    assert.equal(packageNamed(document, 'rack').licenseDeclared, 'GPL-2.0 WITH Classpath-exception-2.0');
    // Debian's `GPL-2+` and Fedora's `ASL 2.0` are not SPDX identifiers: no assertion rather than a wrong one.
    assert.equal(packageNamed(document, 'libc6').licenseDeclared, 'NOASSERTION');
    assert.equal(packageNamed(document, 'openssl-libs').licenseDeclared, 'NOASSERTION');
    assert.equal(packageNamed(document, 'golang.org/x/net').licenseDeclared, 'NOASSERTION');

    // Packages in purl order.
    const purls = document.packages.slice(2).map((p) => p.externalRefs![0]!.referenceLocator);
    assert.deepEqual(purls, [...purls].sort());
  });

  it('hostile names get unique ids of the allowed form and the document still validates', { skip: schemaSkip }, () => {
    const base = { type: 'npm' as const, version: '1.0.0', path: 'app/package.json', layerDigest: LAYER };
    const packages: LayeredPackage[] = [
      { ...base, name: '../../etc/passwd', purl: 'pkg:npm/..%2F..%2Fetc%2Fpasswd@1.0.0' },
      { ...base, name: 'name with spaces', purl: 'pkg:npm/name%20with%20spaces@1.0.0' },
      { ...base, name: 'ünïcødé-名前', purl: 'pkg:npm/%C3%BCn%C3%AFc%C3%B8d%C3%A9@1.0.0' },
      { ...base, name: '', purl: 'pkg:npm/@1.0.0' },
      { ...base, name: 'x'.repeat(5000), purl: `pkg:npm/${'x'.repeat(5000)}@1.0.0` },
      // Ten thousand packages with one name: same purl, different files; and an exact repeat, dropped.
      ...Array.from({ length: 10_000 }, (_, i) => ({ ...base, name: 'same', purl: 'pkg:npm/same@1.0.0', path: `app/${i}/package.json` })),
      { ...base, name: 'same', purl: 'pkg:npm/same@1.0.0', path: 'app/0/package.json' },
    ];
    const document = toSpdx({ packages, layers: [] }, SUBJECT, OPTIONS);
    assertValidSpdx(document);
    assertConsistentSpdx(document);
    assert.equal(document.packages.length, 1 + 5 + 10_000);
    assert.equal(document.packages.filter((p) => p.name === 'same').length, 10_000);
    assert.ok(
      document.packages.every((p) => p.SPDXID.length < 120),
      'ids stay short whatever the name',
    );
    // Without an OS, every package hangs off the image.
    assert.ok(document.relationships.slice(1).every((r) => r.spdxElementId === 'SPDXRef-Image'));
  });
});

describe('CycloneDX 1.6 from an image inventory', () => {
  it('has the image as metadata component, every package as a component, and the image depending on them', () => {
    const bom = toCycloneDx(everyTypeInventory(), SUBJECT, OPTIONS);
    assert.equal(bom.bomFormat, 'CycloneDX');
    assert.equal(bom.specVersion, '1.6');
    assert.equal(bom.version, 1);
    assert.match(bom.serialNumber, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(bom.metadata.timestamp, '2025-03-04T05:06:07Z');
    assert.deepEqual(bom.metadata.tools, { components: [{ type: 'application', name: 'berth', version: '0.1.0' }] });
    assert.equal(bom.metadata.component.type, 'container');
    assert.equal(bom.metadata.component.purl, bom.metadata.component['bom-ref']);
    assert.match(bom.metadata.component.purl!, /^pkg:oci\/app@sha256%3A[0-9a-f]{64}\?repository_url=registry\.example\.com:5000\/library\/app&tag=v1\.2$/);

    assert.equal(bom.components.length, 1 + everyTypeInventory().packages.length);
    assert.deepEqual(bom.components[0], {
      'bom-ref': 'operating-system',
      type: 'operating-system',
      name: 'alpine',
      version: '3.19.1',
      description: 'Alpine Linux v3.19',
    });
    const refs = bom.components.map((c) => c['bom-ref']);
    assert.equal(new Set([...refs, bom.metadata.component['bom-ref']]).size, refs.length + 1, 'bom-refs are unique');
    assert.deepEqual(bom.dependencies, [{ ref: bom.metadata.component['bom-ref'], dependsOn: refs }]);

    const byName = (name: string) => bom.components.find((c) => c.name === name)!;
    const musl = byName('musl');
    assert.equal(musl.type, 'library');
    assert.equal(musl.version, '1.2.4_git20230717-r4');
    assert.equal(musl.purl, 'pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=3.19.1');
    assert.deepEqual(musl.licenses, [{ license: { id: 'MIT' } }]);
    assert.deepEqual(musl.properties, [
      { name: 'berth:package:type', value: 'apk' },
      { name: 'berth:package:path', value: 'lib/apk/db/installed' },
      { name: 'berth:layer:digest', value: LAYER },
      { name: 'berth:package:source_name', value: 'musl' },
      { name: 'berth:package:arch', value: 'x86_64' },
    ]);
    assert.deepEqual(byName('serde').licenses, [{ expression: 'MIT OR Apache-2.0' }]);
    assert.equal(byName('libc6').licenses, undefined, 'no license rather than a wrong one');
    const purls = bom.components.slice(1).map((c) => c.purl!);
    assert.deepEqual(purls, [...purls].sort());
    // Only CycloneDX's own fields and nothing undefined: the JSON round trip changes nothing.
    assert.deepEqual(JSON.parse(JSON.stringify(bom)), bom);
  });
});

describe('SBOM writers are deterministic and bounded', () => {
  const shuffled = (inventory: ImageInventory): ImageInventory => ({ ...inventory, packages: [...inventory.packages].reverse() });

  it('validates against the CycloneDX 1.6 JSON schema: every package type, hostile names, and the machine’s dpkg packages', (t) => {
    assertValidCycloneDx(toCycloneDx(everyTypeInventory(), SUBJECT, OPTIONS));
    assertValidCycloneDx(toCycloneDx({ packages: [], layers: [] }, { ...SUBJECT, tag: 'täg with spaces' }, OPTIONS));
    // The validator is not lenient: a BOM without its format is refused.
    assert.equal(cycloneDx({ ...toCycloneDx(everyTypeInventory(), SUBJECT, OPTIONS), bomFormat: undefined }), false);
    const inventory = machineInventory();
    if (!inventory) return t.skip('this machine has no /var/lib/dpkg/status');
    const bom = toCycloneDx(inventory, SUBJECT, OPTIONS);
    assertValidCycloneDx(bom);
    assert.ok(bom.components.some((c) => c.name === 'dpkg' && c.purl?.startsWith('pkg:deb/')));
  });

  it('the same inventory gives the same bytes whatever the package order; another time or subject another namespace', () => {
    const inventory = everyTypeInventory();
    assert.equal(JSON.stringify(toSpdx(inventory, SUBJECT, OPTIONS)), JSON.stringify(toSpdx(shuffled(inventory), SUBJECT, OPTIONS)));
    assert.equal(JSON.stringify(toCycloneDx(inventory, SUBJECT, OPTIONS)), JSON.stringify(toCycloneDx(shuffled(inventory), SUBJECT, OPTIONS)));
    const later = { ...OPTIONS, created: new Date('2025-03-04T05:06:08Z') };
    assert.notEqual(toSpdx(inventory, SUBJECT, later).documentNamespace, toSpdx(inventory, SUBJECT, OPTIONS).documentNamespace);
    assert.notEqual(toCycloneDx(inventory, SUBJECT, later).serialNumber, toCycloneDx(inventory, SUBJECT, OPTIONS).serialNumber);
    const other = { ...SUBJECT, digest: `sha256:${'0'.repeat(64)}` };
    assert.notEqual(toSpdx(inventory, other, OPTIONS).documentNamespace, toSpdx(inventory, SUBJECT, OPTIONS).documentNamespace);
    const seeded = { ...OPTIONS, namespaceSeed: 'scan-42' };
    assert.equal(toSpdx(inventory, SUBJECT, seeded).documentNamespace.slice(-36), toCycloneDx(inventory, SUBJECT, seeded).serialNumber.slice(-36));
  });

  it('an inventory of 100k packages is written without blowing up', { timeout: 60_000 }, () => {
    const packages: LayeredPackage[] = Array.from({ length: 100_000 }, (_, i) => ({
      type: 'npm',
      name: `pkg-${i % 5000}`,
      version: `1.${i}.0`,
      licenses: ['MIT'],
      purl: `pkg:npm/pkg-${i % 5000}@1.${i}.0`,
      path: `app/node_modules/pkg-${i}/package.json`,
      layerDigest: LAYER,
    }));
    const inventory: ImageInventory = { packages, layers: [] };
    const spdx = toSpdx(inventory, SUBJECT, OPTIONS);
    assert.equal(spdx.packages.length, 100_001);
    assert.equal(new Set(spdx.packages.map((p) => p.SPDXID)).size, 100_001);
    const bom = toCycloneDx(inventory, SUBJECT, OPTIONS);
    assert.equal(bom.components.length, 100_000);
    assert.equal(bom.dependencies[0]!.dependsOn.length, 100_000);
  });
});
