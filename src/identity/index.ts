export { LdapAuthentication, ldapGroupExists, ldapModule, ldapTlsConfig, LdapService, LDAP_VERDICT_CACHE_MS } from './ldap/index.js';
