/**
 * SBOMs of scanned images: SPDX 2.3 and CycloneDX 1.6 JSON from an image inventory (pure
 * functions), and the SPDX document stored as Harbor's `sbom.harbor` accessory of the image.
 */
export { toSpdx, SPDX_JSON, type SpdxDocument, type SpdxPackage, type SpdxRelationship, type SpdxExternalRef } from './spdx.js';
export { toCycloneDx, CYCLONEDX_JSON, type CycloneDxBom, type CycloneDxComponent, type CycloneDxLicenses, type CycloneDxProperty } from './cyclonedx.js';
export { storeSbomAccessory, MAX_SBOM_BYTES, type SbomAccessoryDeps, type StoreSbomInput } from './accessory.js';
export { imagePurl, uuidFromSeed, type SbomOptions, type SbomSubject } from './subject.js';
export { checkLicenseExpression, combineLicenses, type CheckedLicense } from './licenses.js';
