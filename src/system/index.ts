import type { FeatureModule } from '../platform/index.js';
import { registerHealthRoute, registerProbeRoutes, type SystemRouteDeps } from './routes.js';

export { VERSION, registerHealthRoute, registerProbeRoutes, registerSystemRoutes, type SystemRouteDeps } from './routes.js';

/** /livez and /readyz on every role; Harbor's health endpoint with the API. */
export const systemModule: FeatureModule<SystemRouteDeps> = {
  name: 'system',
  probes: registerProbeRoutes,
  routes: registerHealthRoute,
};
export { bootstrap, type BootstrapResult } from './bootstrap.js';
export { Settings, SETTING_KEYS, type RuntimeSettings } from './settings.js';
export { bannerLines, type BannerInput } from './banner.js';
