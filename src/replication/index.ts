export { replicationModule, type ReplicationDeps } from './module.js';
export { RegistryCredentialShape, RegistryInfoShape, RegistryProviderInfoShape, RegistryShape, FilterStyleShape, RegistryEndpointShape } from './shapes.js';
export { ADAPTER_TYPES, type AdapterType } from './adapters/index.js';
export { RegistryService } from './service.js';
export { reportRun, type ProjectReport, type RemoteSide, type ReportedArtifact, type RunReport } from './runs/report.js';
export { ReplicationExecutionShape, ReplicationPolicyShape, ReplicationPreviewShape, ReplicationTaskShape } from './shapes.js';
