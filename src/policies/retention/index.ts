export { retentionApi } from './routes.js';
export { METADATA_KEY as RETENTION_METADATA_KEY, VENDOR_TYPE as RETENTION_VENDOR_TYPE } from './service.js';
