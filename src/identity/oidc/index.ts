import type { FeatureModule } from '../../platform/index.js';
import { oidcApi, registerOidcRoutes, type OidcRouteDeps } from './routes.js';

export { OidcService, SESSION_EXPIRED, generateCliSecret, type OidcUserMeta, type OidcServiceDeps } from './service.js';

/** OIDC sign-in (auth_mode oidc_auth): the portal's SSO flow, onboarding, CLI secrets and the provider ping. */
export const oidcModule: FeatureModule<OidcRouteDeps> = {
  name: 'oidc',
  api: oidcApi,
  routes: registerOidcRoutes,
  sealedColumns: [
    { table: 'oidc_users', key: 'id', column: 'secret', label: 'OIDC users’ CLI secrets' },
    { table: 'oidc_users', key: 'id', column: 'refresh_token', label: 'OIDC users’ refresh tokens' },
  ],
};
