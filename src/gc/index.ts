export { gcApi } from './routes.js';
export { collectGarbage, type GcOptions, type GcProgress } from './collector.js';
export { GC_VENDOR } from './schema.js';
