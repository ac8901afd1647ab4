export { quotasApi, storageLimitSchema } from './routes.js';
export { createQuota, findProjectQuota } from './repo.js';
export { countedUsage, crossedQuotaWarning, formatBytes, holdContent, holdContents, type QuotaCharge, QuotaExceededError, releaseContent, usedStorageOf, wouldExceed, type HeldContent } from '../../content/index.js';
