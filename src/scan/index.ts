/** The built-in scanner's parts, as the rest of Berth sees them. */
export * from './match/index.js';
export * from './vulndb/index.js';
export { scanModule, type ScanDeps } from './module.js';
export { BuiltinScanEngine } from './builtin/engine.js';
export type { BlobDescriptor, RegistryAccess, ScanEngine, ScannerAdapterMetadata, ScannerCapability, ScannerInfo, ScanTarget } from './engine.js';
export { MIME, REPORT_MIME, SBOM_REPORT_MIME, SCANNABLE_MANIFESTS, VULNERABILITY_MIMES } from './mime.js';
export { scanOverviews, type NativeReportSummary, type ScanOverview } from './reports/overview.js';
export { SCAN_EVENTS } from './jobs/task.js';
export { SBOM_VENDOR, SCAN_VENDOR } from './jobs/plan.js';
export { AdapterClient, AdapterError } from './adapter/client.js';
export { registerAdapterServer, ADAPTER_PREFIX, type TargetReader } from './adapter/server.js';
export { remoteTarget } from './adapter/remote-target.js';
export { ScannerAdapterMetadataShape, ScannerRegistrationShape } from './registrations/shapes.js';
export { NativeReportSummaryShape, SbomOverviewShape, ScanOverviewShape, VulnerabilitySummaryShape } from './reports/shapes.js';
export { sbomOverviews, type SbomOverview } from './reports/sbom-overview.js';
export { vulnerabilityGate } from './policy/gate.js';
