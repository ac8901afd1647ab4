export { SEALED_SETTINGS, Settings, storedSettings, type SecretSettingKey } from './store.js';
export {
  AUTH_MODES,
  defaultSettings,
  FIXED_KEYS,
  KEY_STATUS,
  SECRET_KEYS,
  SETTING_KEYS,
  settingsSchema,
  type KeyStatus,
  type RuntimeSettings,
  type SettingKey,
} from './keys.js';
