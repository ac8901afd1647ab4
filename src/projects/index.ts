import type { ApiDeps } from '../api/index.js';
import type { FeatureModule } from '../platform/index.js';
import type { Gates } from '../content/index.js';
import { quotaGate, quotasApi, storageMetrics } from './quota/index.js';
import { projectsApi } from './routes.js';
import { systemAllowlistApi } from './allowlist/index.js';

export { findProjectByName, findProjectById, findProjectsByIds, listProjects, createProject, upsertMetadata, deleteMetadata } from './repo.js';
export { CVEAllowlistShape, ProjectMetadataShape, ProjectShape, ProjectMemberEntityShape, ProjectSummaryShape, QuotaShape } from './shapes.js';
export { validateProjectName } from './service.js';
export { contentTrustPolicy, type ContentTrustPolicy } from './content-trust.js';
export { pullMetadataOf, PULL_METADATA_CACHE_MS, type PullMetadata } from './pull-metadata.js';
export { proxyBytesPerSecond } from './proxy-speed.js';
export { vulnerabilityPolicy, effectiveAllowlist, SYSTEM_ALLOWLIST, type VulnerabilityPolicy } from './allowlist/index.js';
export { crossedQuotaWarning, findProjectQuota, quotaGate, type QuotaCharge, quotasApi, usedStorageOf } from './quota/index.js';

/** Projects, their metadata, members and CVE allowlists (the system's too), and quotas. */
export const projectsModule: FeatureModule<ApiDeps, Partial<Gates>> = {
  name: 'projects',
  // The storage quota: charged as content comes in, released as it goes.
  gates: (deps) => ({ push: [quotaGate(deps.settings)] }),
  metrics: (deps) => storageMetrics(deps.metrics, deps.database),
  async api(scope, deps) {
    await projectsApi(scope, deps);
    await quotasApi(scope, deps);
    await systemAllowlistApi(scope, deps);
  },
};
