export { quotasApi, storageLimitSchema } from './routes.js';
export { createQuota, findProjectQuota } from './repo.js';
export { countedUsage, formatBytes, holdContent, QuotaExceededError, releaseContent, wouldExceed, type HeldContent } from './usage.js';
