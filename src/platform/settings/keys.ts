import { z } from 'zod';
import type { Config } from '../config/index.js';
import { linearRegExpProblem } from '../lib/index.js';

/** Most text settings: names, DNs, URLs, filters. */
const text = z.string().max(4096);
/** Settings that hold a document (a PEM certificate, the banner's JSON). */
const document = z.string().max(65_536);
const flag = z.boolean();
const ldapScope = z.number().int().min(0).max(2);

/** Harbor's `oidc_extra_redirect_parms`: a JSON object whose values are strings. */
function isStringRecord(raw: string): boolean {
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.values(parsed).every((value) => typeof value === 'string');
  } catch {
    return false;
  }
}

/** Harbor's `auth_mode` values. */
export const AUTH_MODES = ['db_auth', 'ldap_auth', 'uaa_auth', 'http_auth', 'oidc_auth'] as const;

/** One event type of the audit log as Harbor names them: `<operation>_<resource type>`, as `create_artifact` or `login_user`. */
const EVENT_TYPE = /^[a-z]+_[a-z_]+$/;

/**
 * Every setting of Harbor's `Configurations` (plus Berth's `audit_log_retention_days`), with its
 * type. PUT /configurations checks values against these; GET answers each as `{value, editable}`.
 */
export const settingsSchema = z.object({
  auth_mode: z.enum(AUTH_MODES),
  primary_auth_mode: flag,
  ldap_base_dn: text,
  ldap_filter: text,
  ldap_group_base_dn: text,
  ldap_group_admin_dn: text,
  ldap_group_attribute_name: text,
  ldap_group_search_filter: text,
  ldap_group_search_scope: ldapScope,
  ldap_group_attach_parallel: flag,
  ldap_scope: ldapScope,
  ldap_search_dn: text,
  ldap_search_password: text,
  ldap_timeout: z.number().int().min(0).max(3600),
  ldap_uid: text,
  ldap_url: text,
  ldap_verify_cert: flag,
  ldap_group_membership_attribute: text,
  project_creation_restriction: z.enum(['everyone', 'adminonly']),
  read_only: flag,
  self_registration: flag,
  token_expiration: z.number().int().min(1).max(1440),
  uaa_client_id: text,
  uaa_client_secret: text,
  uaa_endpoint: text,
  uaa_verify_cert: flag,
  http_authproxy_endpoint: text,
  http_authproxy_tokenreview_endpoint: text,
  http_authproxy_admin_groups: text,
  http_authproxy_admin_usernames: text,
  http_authproxy_verify_cert: flag,
  http_authproxy_skip_search: flag,
  http_authproxy_server_certificate: document,
  oidc_name: text,
  oidc_endpoint: text,
  oidc_client_id: text,
  oidc_client_secret: text,
  oidc_groups_claim: text,
  oidc_admin_group: text,
  oidc_group_filter: text.superRefine((pattern, ctx) => {
    const problem = pattern === '' ? undefined : linearRegExpProblem(pattern);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  oidc_scope: text,
  oidc_user_claim: text,
  oidc_verify_cert: flag,
  oidc_auto_onboard: flag,
  oidc_extra_redirect_parms: text.refine((raw) => raw.trim() === '' || isStringRecord(raw), 'must be a JSON object of strings, such as {"prompt":"login"}'),
  oidc_logout: flag,
  robot_token_duration: z.number().int().min(1).max(1_000_000),
  // A robot logs in by Basic authentication, where a colon ends the name; spaces and control characters would not survive a docker login.
  robot_name_prefix: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[^\s:\p{Cc}]+$/u, 'must not contain a colon, spaces or control characters'),
  notification_enable: flag,
  quota_per_project_enable: flag,
  storage_per_project: z
    .number()
    .int()
    .min(-1)
    .max(2 ** 50)
    .refine((n) => n !== 0, 'use -1 for unlimited or a positive number of bytes'),
  audit_log_forward_endpoint: text,
  skip_audit_log_database: flag,
  session_timeout: z
    .number()
    .int()
    .min(1)
    .max(60 * 24 * 30),
  scanner_skip_update_pulltime: flag,
  banner_message: document,
  disabled_audit_log_event_types: text.refine(
    (list) => list === '' || list.split(',').every((item) => EVENT_TYPE.test(item.trim())),
    'a comma-separated list of event types such as create_artifact,delete_artifact,pull_artifact',
  ),
  audit_log_retention_days: z.number().int().min(1).max(36_500),
});

export type RuntimeSettings = z.output<typeof settingsSchema>;
export type SettingKey = keyof RuntimeSettings;

export const SETTING_KEYS = Object.keys(settingsSchema.shape) as SettingKey[];

/** Written, never shown: GET leaves them out, as Harbor does. Kept sealed by the SecretBox (`sealed_settings`). */
export const SECRET_KEYS: ReadonlySet<SettingKey> = new Set(['ldap_search_password', 'uaa_client_secret', 'oidc_client_secret']);

/**
 * Fixed by the configuration file (or by what Berth is): GET shows them as not editable, and
 * PUT accepts them only unchanged, so a tool that sends back what it read is not refused.
 */
export const FIXED_KEYS: ReadonlySet<SettingKey> = new Set(['token_expiration', 'session_timeout']);

/** What a key does in Berth today: it takes effect, or it is stored until the feature that reads it lands. */
export type KeyStatus =
  'takes effect' | `takes effect: ${string}` | `stored until ${string} lands` | `stored sealed until ${string} lands (a secret)` | `fixed: ${string}`;

/** The list the README shows. */
export const KEY_STATUS: Readonly<Record<SettingKey, KeyStatus>> = {
  auth_mode: 'takes effect: db_auth, ldap_auth or oidc_auth, changed only while no user but admin exists',
  primary_auth_mode: 'stored until LDAP and OIDC login lands',
  ldap_base_dn: 'takes effect',
  ldap_filter: 'takes effect',
  ldap_group_base_dn: 'takes effect',
  ldap_group_admin_dn: 'takes effect: its members, nested ones too, are system administrators',
  ldap_group_attribute_name: 'takes effect',
  ldap_group_search_filter: 'takes effect',
  ldap_group_search_scope: 'takes effect',
  ldap_group_attach_parallel: 'takes effect: nothing to switch, as Berth records the groups of a user in one pass at sign-in (the value is stored, not used)',
  ldap_scope: 'takes effect',
  ldap_search_dn: 'takes effect',
  ldap_search_password: 'takes effect: kept sealed (a secret)',
  ldap_timeout: 'takes effect: bounds connecting and each LDAP operation',
  ldap_uid: 'takes effect',
  ldap_url: 'takes effect: ldap:// or ldaps://',
  ldap_verify_cert: 'takes effect',
  ldap_group_membership_attribute: 'takes effect',
  project_creation_restriction: 'takes effect',
  read_only: 'takes effect',
  self_registration: 'takes effect',
  token_expiration: 'fixed: auth.tokenExpirationMinutes in the configuration file',
  uaa_client_id: 'stored until UAA login lands',
  uaa_client_secret: 'stored sealed until UAA login lands (a secret)',
  uaa_endpoint: 'stored until UAA login lands',
  uaa_verify_cert: 'stored until UAA login lands',
  http_authproxy_endpoint: 'stored until auth-proxy login lands',
  http_authproxy_tokenreview_endpoint: 'stored until auth-proxy login lands',
  http_authproxy_admin_groups: 'stored until auth-proxy login lands',
  http_authproxy_admin_usernames: 'stored until auth-proxy login lands',
  http_authproxy_verify_cert: 'stored until auth-proxy login lands',
  http_authproxy_skip_search: 'stored until auth-proxy login lands',
  http_authproxy_server_certificate: 'stored until auth-proxy login lands',
  oidc_name: "takes effect: the name on the sign-in page's SSO button",
  oidc_endpoint: "takes effect: the provider's issuer URL (discovery)",
  oidc_client_id: 'takes effect',
  oidc_client_secret: 'takes effect: stored sealed (a secret)',
  oidc_groups_claim: 'takes effect',
  oidc_admin_group: 'takes effect',
  oidc_group_filter: 'takes effect: a regular expression matched in linear time',
  oidc_scope: 'takes effect',
  oidc_user_claim: 'takes effect',
  oidc_verify_cert: 'takes effect',
  oidc_auto_onboard: 'takes effect',
  oidc_extra_redirect_parms: 'takes effect',
  oidc_logout: 'stored until signing out of the OIDC provider lands',
  robot_token_duration: 'takes effect',
  robot_name_prefix: 'takes effect',
  notification_enable: 'takes effect',
  quota_per_project_enable: 'takes effect',
  storage_per_project: 'takes effect',
  audit_log_forward_endpoint: 'stored until audit log forwarding lands',
  skip_audit_log_database: 'takes effect',
  session_timeout: 'fixed: auth.sessionTimeoutMinutes in the configuration file',
  scanner_skip_update_pulltime: 'takes effect',
  banner_message: 'stored until the portal shows banners lands',
  disabled_audit_log_event_types: 'takes effect',
  audit_log_retention_days: 'takes effect',
};

/** What a key holds until an administrator sets it: Harbor's defaults, or the configuration file's where Berth has one. */
export function defaultSettings(config: Config): RuntimeSettings {
  return {
    auth_mode: 'db_auth',
    primary_auth_mode: false,
    ldap_base_dn: '',
    ldap_filter: '',
    ldap_group_base_dn: '',
    ldap_group_admin_dn: '',
    ldap_group_attribute_name: '',
    ldap_group_search_filter: '',
    ldap_group_search_scope: 2,
    ldap_group_attach_parallel: false,
    ldap_scope: 2,
    ldap_search_dn: '',
    ldap_search_password: '',
    ldap_timeout: 5,
    ldap_uid: 'cn',
    ldap_url: '',
    ldap_verify_cert: true,
    ldap_group_membership_attribute: 'memberof',
    project_creation_restriction: config.auth.projectCreationRestriction,
    read_only: false,
    self_registration: config.auth.selfRegistration,
    token_expiration: config.auth.tokenExpirationMinutes,
    uaa_client_id: '',
    uaa_client_secret: '',
    uaa_endpoint: '',
    uaa_verify_cert: false,
    http_authproxy_endpoint: '',
    http_authproxy_tokenreview_endpoint: '',
    http_authproxy_admin_groups: '',
    http_authproxy_admin_usernames: '',
    http_authproxy_verify_cert: true,
    http_authproxy_skip_search: false,
    http_authproxy_server_certificate: '',
    oidc_name: '',
    oidc_endpoint: '',
    oidc_client_id: '',
    oidc_client_secret: '',
    oidc_groups_claim: '',
    oidc_admin_group: '',
    oidc_group_filter: '',
    oidc_scope: '',
    oidc_user_claim: '',
    oidc_verify_cert: true,
    oidc_auto_onboard: false,
    oidc_extra_redirect_parms: '',
    oidc_logout: false,
    robot_token_duration: 30,
    robot_name_prefix: 'robot$',
    notification_enable: true,
    quota_per_project_enable: true,
    storage_per_project: config.quota.storagePerProject,
    audit_log_forward_endpoint: '',
    skip_audit_log_database: false,
    session_timeout: config.auth.sessionTimeoutMinutes,
    scanner_skip_update_pulltime: false,
    banner_message: '',
    disabled_audit_log_event_types: '',
    audit_log_retention_days: config.audit.retentionDays,
  };
}
