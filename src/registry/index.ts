import type { FeatureModule } from '../platform/index.js';
import type { SecretBox } from '../platform/secrets/index.js';
import { ProxyCache } from '../proxy-cache/index.js';
import { registerRegistryRoutes, type RegistryRouteDeps } from './routes.js';

export { registerRegistryRoutes, type RegistryRouteDeps } from './routes.js';

/**
 * The OCI Distribution API under /v2/, with the pull path of proxy cache projects; pull
 * statistics still buffered are written when the app closes.
 */
export const registryModule: FeatureModule<Omit<RegistryRouteDeps, 'proxy'> & { secrets: SecretBox }> = {
  name: 'registry',
  async routes(app, deps) {
    const proxy = new ProxyCache({ ...deps, log: app.log });
    const manifests = await registerRegistryRoutes(app, { ...deps, proxy });
    app.addHook('onClose', async () => {
      await proxy.settled();
      proxy.close();
      await manifests.pulls.flush();
    });
  },
};
