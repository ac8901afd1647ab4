import { z } from 'zod';

/** Harbor's LdapConf: what POST /ldap/ping tries; every field left out comes from the stored settings. */
export const ldapConfSchema = z
  .object({
    ldap_url: z.string().max(4096).optional(),
    ldap_search_dn: z.string().max(4096).optional(),
    ldap_search_password: z.string().max(4096).optional(),
    ldap_base_dn: z.string().max(4096).optional(),
    ldap_filter: z.string().max(4096).optional(),
    ldap_uid: z.string().max(255).optional(),
    ldap_scope: z.number().int().min(0).max(2).optional(),
    ldap_connection_timeout: z.number().int().min(0).max(3600).optional(),
    ldap_verify_cert: z.boolean().optional(),
  })
  .strict();

export type LdapConfInput = z.infer<typeof ldapConfSchema>;

/** Harbor's LdapImportUsers. */
export const ldapImportSchema = z
  .object({
    ldap_uid_list: z.array(z.string().min(1).max(255)).min(1, 'ldap_uid_list must name at least one user').max(1000),
  })
  .strict();

/** Harbor's LdapPingResult. */
export const LdapPingResultShape = z.strictObject({ success: z.boolean(), message: z.string() });
export type LdapPingResultJson = z.infer<typeof LdapPingResultShape>;

/** Harbor's LdapUser. */
export const LdapUserShape = z.strictObject({ username: z.string(), realname: z.string(), email: z.string() });
export type LdapUserJson = z.infer<typeof LdapUserShape>;

/** Harbor's LdapFailedImportUser: a uid that could not be imported, and why. */
export const LdapFailedImportUserShape = z.strictObject({ uid: z.string(), error: z.string() });
export type LdapFailedImportUserJson = z.infer<typeof LdapFailedImportUserShape>;

export interface LdapUserGroupJson {
  group_name: string;
  group_type: number;
  ldap_group_dn: string;
}
