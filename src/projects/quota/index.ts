export { quotasApi, storageLimitSchema } from './routes.js';
export { createQuota, findProjectQuota } from './repo.js';
export { chargeStorage, crossedQuotaWarning, QUOTA_SHARDS, releaseStorage, shareAllowances, usedStorageOf, wouldExceed, type QuotaCharge } from './ledger.js';
export { quotaGate } from './gate.js';
export { storageMetrics } from './metrics.js';
