import type { ApiDeps } from '../api/index.js';
import type { FeatureModule } from '../platform/module.js';
import { quotasApi } from './quota/index.js';
import { projectsApi } from './routes.js';

export { findProjectByName, findProjectById, listProjects, createProject, upsertMetadata, deleteMetadata } from './repo.js';
export { validateProjectName } from './service.js';
export { countedUsage, crossedQuotaWarning, findProjectQuota, formatBytes, holdContent, holdContents, type QuotaCharge, quotasApi, QuotaExceededError, releaseContent, usedStorageOf, wouldExceed, type HeldContent } from './quota/index.js';

/** Projects, their metadata and members, and quotas. */
export const projectsModule: FeatureModule<ApiDeps> = {
  name: 'projects',
  async api(scope, deps) {
    await projectsApi(scope, deps);
    await quotasApi(scope, deps);
  },
};
