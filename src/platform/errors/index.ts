export * from './api-error.js';
export * from './domain.js';
export * from './oci.js';
export { errorHandler } from './handler.js';
export { asStorageFull } from './out-of-space.js';
