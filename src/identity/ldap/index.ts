import type { ApiDeps } from '../../api/index.js';
import type { FeatureModule } from '../../platform/index.js';
import { ldapApi } from './routes.js';

export { LdapAuthentication, LDAP_VERDICT_CACHE_MS, LOCAL_ADMIN, type LdapDeps } from './service.js';
export { ldapGroupExists, LdapService } from './api-service.js';
export { ldapTlsConfig, type LdapTlsConfig } from './settings.js';
export { escapeFilterValue } from './filter.js';
export { LdapFailedImportUserShape, LdapPingResultShape, LdapUserShape, ldapConfSchema, ldapImportSchema } from './schema.js';

/** Harbor's /ldap API; sign-in by LDAP is the LdapAuthentication the app hands the Authenticator. */
export const ldapModule: FeatureModule<ApiDeps> = {
  name: 'ldap',
  api: ldapApi,
};
