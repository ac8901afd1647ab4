import type { ApiDeps } from '../api/index.js';
import type { Gates } from '../content/index.js';
import type { FeatureModule } from '../platform/index.js';
import { SEALED_SETTINGS } from '../platform/settings/index.js';
import { configurationsApi } from './configurations-routes.js';
import { readOnlyApiGuard, readOnlyGate } from './read-only.js';
import { registerHealthRoute, registerProbeRoutes, type SystemRouteDeps } from './routes.js';

export { VERSION, registerHealthRoute, registerProbeRoutes, registerSystemRoutes, type SystemRouteDeps } from './routes.js';

/**
 * /livez and /readyz on every role; Harbor's health endpoint and /configurations with the API;
 * the read-only mode, as a gate on every content change and a guard on every API change.
 */
export const systemModule: FeatureModule<SystemRouteDeps & ApiDeps, Partial<Gates>> = {
  name: 'system',
  probes: registerProbeRoutes,
  routes: registerHealthRoute,
  gates: (deps) => ({ push: [readOnlyGate(deps.settings)] }),
  sealedColumns: [SEALED_SETTINGS],
  // First of the API features: the guard's hook is in place before any route is registered.
  async api(scope, deps) {
    readOnlyApiGuard(scope, deps.settings);
    await configurationsApi(scope, deps);
  },
};
export { ConfigurationsResponseShape } from './shapes.js';
export { bootstrap, type BootstrapResult } from './bootstrap.js';
export { bannerLines, type BannerInput } from './banner.js';
