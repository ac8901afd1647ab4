export { quotasApi, storageLimitSchema } from './routes.js';
export { createQuota, findProjectQuota } from './repo.js';
export { countedUsage, crossedQuotaWarning, formatBytes, holdContent, type QuotaCharge, QuotaExceededError, releaseContent, wouldExceed, type HeldContent } from './usage.js';
