import type { FeatureModule } from '../platform/index.js';
import { registerPortalRoutes, type PortalDeps } from './routes.js';

/** The web portal: its built single-page app at `/`, with client-side routes falling back to it. */
export const portalModule: FeatureModule<PortalDeps> = { name: 'portal', routes: registerPortalRoutes };
