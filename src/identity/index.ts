export {
  LdapAuthentication,
  ldapGroupExists,
  ldapModule,
  ldapTlsConfig,
  LdapService,
  LDAP_VERDICT_CACHE_MS,
  LdapFailedImportUserShape,
  LdapPingResultShape,
  LdapUserShape,
  ldapConfSchema,
  ldapImportSchema,
} from './ldap/index.js';
export * from './oidc/index.js';
