export { findProjectByName, findProjectById, listProjects, createProject } from './repo.js';
export { validateProjectName } from './service.js';
export { countedUsage, findProjectQuota, formatBytes, holdContent, quotasApi, QuotaExceededError, releaseContent, wouldExceed, type HeldContent } from './quota/index.js';
