export { findProjectByName, findProjectById, listProjects, createProject, upsertMetadata, deleteMetadata } from './repo.js';
export { validateProjectName } from './service.js';
export { countedUsage, crossedQuotaWarning, findProjectQuota, formatBytes, holdContent, holdContents, type QuotaCharge, quotasApi, QuotaExceededError, releaseContent, usedStorageOf, wouldExceed, type HeldContent } from './quota/index.js';
