export { VERSION, registerSystemRoutes } from './routes.js';
export { bootstrap, type BootstrapResult } from './bootstrap.js';
export { Settings, SETTING_KEYS, type RuntimeSettings } from './settings.js';
