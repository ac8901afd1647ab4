import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { Config } from '../../platform/config/index.js';
import type { RuntimeSettings, Settings } from '../../platform/settings/index.js';

/** What is needed to reach and bind to the directory (Harbor's `LdapConf` for /ldap/ping). */
export interface LdapConnectionSettings {
  url: string;
  searchDn: string;
  searchPassword: string;
  verifyCert: boolean;
  /** Bounds connecting and each operation. */
  timeoutSeconds: number;
}

/** Every `ldap_*` setting, read for one sign-in or one API call. */
export interface LdapSettings extends LdapConnectionSettings {
  baseDn: string;
  filter: string;
  uidAttribute: string;
  scope: LdapScope;
  groupBaseDn: string;
  groupFilter: string;
  groupNameAttribute: string;
  groupScope: LdapScope;
  membershipAttribute: string;
  groupAdminDn: string;
}

export type LdapScope = 'base' | 'one' | 'sub';

/** Harbor numbers scopes 0 (base), 1 (one level), 2 (subtree). */
export function scopeOf(value: number): LdapScope {
  return value === 0 ? 'base' : value === 1 ? 'one' : 'sub';
}

/** TLS choices of the configuration file (`ldap.ca`, `ldap.startTls`): Harbor has no key for them. */
export interface LdapTlsConfig {
  /** PEM certificates to trust besides the system's, read once. */
  ca?: string[];
  startTls: boolean;
}

export function ldapTlsConfig(config: Config): LdapTlsConfig {
  const ca = config.ldap.ca;
  if (!ca) return { startTls: config.ldap.startTls };
  const pem = ca.includes('-----BEGIN') ? ca : readFileSync(ca, 'utf8');
  return { ca: [...rootCertificates, pem], startTls: config.ldap.startTls };
}

/** Harbor's defaults where a key is left empty. */
const DEFAULT_TIMEOUT_SECONDS = 5;
const DEFAULT_GROUP_NAME_ATTRIBUTE = 'cn';
const DEFAULT_MEMBERSHIP_ATTRIBUTE = 'memberof';
/** Groups as AD, OpenLDAP (groupOfNames, groupOfUniqueNames) and NIS schemas make them. */
export const DEFAULT_GROUP_FILTER = '(|(objectClass=group)(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))';

export const LDAP_SETTING_KEYS = [
  'ldap_url',
  'ldap_search_dn',
  'ldap_verify_cert',
  'ldap_timeout',
  'ldap_base_dn',
  'ldap_filter',
  'ldap_uid',
  'ldap_scope',
  'ldap_group_base_dn',
  'ldap_group_search_filter',
  'ldap_group_attribute_name',
  'ldap_group_search_scope',
  'ldap_group_membership_attribute',
  'ldap_group_admin_dn',
] as const satisfies ReadonlyArray<keyof RuntimeSettings>;

export function toLdapSettings(values: Pick<RuntimeSettings, (typeof LDAP_SETTING_KEYS)[number]>, searchPassword: string): LdapSettings {
  return {
    url: values.ldap_url.trim(),
    searchDn: values.ldap_search_dn.trim(),
    searchPassword,
    verifyCert: values.ldap_verify_cert,
    timeoutSeconds: values.ldap_timeout > 0 ? values.ldap_timeout : DEFAULT_TIMEOUT_SECONDS,
    baseDn: values.ldap_base_dn.trim(),
    filter: values.ldap_filter.trim(),
    uidAttribute: values.ldap_uid.trim() || 'cn',
    scope: scopeOf(values.ldap_scope),
    groupBaseDn: values.ldap_group_base_dn.trim(),
    groupFilter: values.ldap_group_search_filter.trim() || DEFAULT_GROUP_FILTER,
    groupNameAttribute: values.ldap_group_attribute_name.trim() || DEFAULT_GROUP_NAME_ATTRIBUTE,
    groupScope: scopeOf(values.ldap_group_search_scope),
    membershipAttribute: values.ldap_group_membership_attribute.trim() || DEFAULT_MEMBERSHIP_ATTRIBUTE,
    groupAdminDn: values.ldap_group_admin_dn.trim(),
  };
}

/** The stored settings, the search password opened from its seal. */
export async function readLdapSettings(settings: Settings): Promise<LdapSettings> {
  return toLdapSettings(await settings.pick(LDAP_SETTING_KEYS), await settings.secret('ldap_search_password'));
}
