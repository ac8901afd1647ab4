export { findProjectByName, findProjectById, listProjects, createProject, upsertMetadata, deleteMetadata } from './repo.js';
export { validateProjectName } from './service.js';
export { crossedQuotaWarning, findProjectQuota, quotaGate, type QuotaCharge, quotasApi, usedStorageOf } from './quota/index.js';
