import { ApiError } from '../platform/errors/index.js';
import type { ConfigurationsResponseJson } from './shapes.js';
import { FIXED_KEYS, SECRET_KEYS, SETTING_KEYS, settingsSchema, type RuntimeSettings, type SettingKey } from '../platform/settings/index.js';

/** PUT /configurations: any subset of the keys, each of its type; an unknown key is refused by name. */
export const updateSchema = settingsSchema.partial().strict();

export type SettingsChange = Partial<RuntimeSettings>;

/**
 * Harbor's ConfigurationsResponse: every key as `{value, editable}`, secrets left out as Harbor
 * leaves them out. Its shape omits the same keys; a key one leaves out and the other does not
 * fails the response-shapes test, which parses this answer strictly.
 */
export function configurationsResponse(settings: RuntimeSettings): ConfigurationsResponseJson {
  const items: Partial<Record<SettingKey, { value: RuntimeSettings[SettingKey]; editable: boolean }>> = {};
  for (const key of SETTING_KEYS) {
    if (SECRET_KEYS.has(key)) continue;
    items[key] = { value: settings[key], editable: !FIXED_KEYS.has(key) };
  }
  // Built key by key, each item's value the setting's own type, which the shape's items are.
  return items as ConfigurationsResponseJson;
}

/** Harbor's Configurations fields are nullable: a null says nothing about the key, as if it were left out. */
export function withoutNulls(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null));
}

/** The modes Berth signs people in with; Harbor's UAA and HTTP auth proxy modes are not among them. */
const SUPPORTED_AUTH_MODES: ReadonlySet<string> = new Set(['db_auth', 'ldap_auth', 'oidc_auth']);

/**
 * Rules between values, as Harbor's: a fixed key may be sent back unchanged but not changed, and
 * the audit log may leave the database only when it has somewhere else to go, and the
 * authentication mode changes only while admin is the only user. Answers what to
 * store: fixed keys never are, so the configuration file keeps deciding them.
 */
export function checkChanges(current: RuntimeSettings, changes: SettingsChange, usersBesidesAdmin: number): SettingsChange {
  const changedFixed = [...FIXED_KEYS].filter((key) => changes[key] !== undefined && changes[key] !== current[key]);
  if (changedFixed.length > 0) {
    throw new ApiError('BAD_REQUEST', `${changedFixed.join(', ')} cannot be changed at run time; set it in the configuration file`);
  }
  if (changes.auth_mode !== undefined && changes.auth_mode !== current.auth_mode) {
    if (!SUPPORTED_AUTH_MODES.has(changes.auth_mode)) {
      throw new ApiError('BAD_REQUEST', `auth_mode ${changes.auth_mode} is not supported: use db_auth, ldap_auth or oidc_auth`);
    }
    // As Harbor: accounts made under one mode would not be the same people under another.
    if (usersBesidesAdmin > 0) {
      throw new ApiError(
        'BAD_REQUEST',
        `auth_mode cannot be changed: ${usersBesidesAdmin} user(s) besides admin exist; it can change only while admin is the only user`,
      );
    }
  }
  const endpoint = changes.audit_log_forward_endpoint ?? current.audit_log_forward_endpoint;
  if (changes.skip_audit_log_database === true && endpoint.trim() === '') {
    throw new ApiError('BAD_REQUEST', 'audit_log_forward_endpoint must be set before skip_audit_log_database is turned on');
  }
  return Object.fromEntries(Object.entries(changes).filter(([key]) => !FIXED_KEYS.has(key as SettingKey))) as SettingsChange;
}
