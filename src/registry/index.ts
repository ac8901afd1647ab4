import type { FeatureModule } from '../platform/index.js';
import { registerRegistryRoutes, type RegistryRouteDeps } from './routes.js';

export { registerRegistryRoutes, type RegistryRouteDeps } from './routes.js';

/** The OCI Distribution API under /v2/; pull statistics still buffered are written when the app closes. */
export const registryModule: FeatureModule<RegistryRouteDeps> = {
  name: 'registry',
  async routes(app, deps) {
    const manifests = await registerRegistryRoutes(app, deps);
    app.addHook('onClose', async () => manifests.pulls.flush());
  },
};
