export * from './domain.js';
export { ApiError, API_ERRORS, type ApiCode } from './api-error.js';
export { OciError, OCI_ERRORS, type OciCode } from './oci.js';
export { errorHandler } from './handler.js';
