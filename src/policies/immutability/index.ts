export { immutabilityApi } from './routes.js';
export { doublestarMatch } from './doublestar.js';
export { firstImmutableTag, immutabilityOf } from './check.js';
export { immutabilityGate } from './gate.js';
