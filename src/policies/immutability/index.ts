import type { ApiDeps } from '../../api/index.js';
import type { FeatureModule } from '../../platform/index.js';
import type { Gates } from '../../content/index.js';
import { immutabilityGate } from './gate.js';
import { immutabilityApi } from './routes.js';

export { immutabilityApi } from './routes.js';
export { ImmutableRuleShape, ImmutableSelectorShape } from './shapes.js';
export { firstImmutableTag, immutabilityOf } from './check.js';
export { immutabilityGate } from './gate.js';

/** Tag immutability rules and their API. */
export const immutabilityModule: FeatureModule<ApiDeps, Partial<Gates>> = {
  name: 'immutability',
  api: immutabilityApi,
  gates: () => ({ push: [immutabilityGate] }),
};
