import type { Config } from '../platform/config/index.js';
import { enqueueTaskOnSchedule } from '../platform/jobs/index.js';
import type { FeatureModule } from '../platform/index.js';
import type { SessionStore } from './sessions.js';
import { registerTokenRoutes, type TokenRouteDeps } from './token-routes.js';

export const PURGE_SESSIONS_VENDOR = 'PURGE_SESSIONS';
export const PURGE_SESSIONS_TASK = 'purge-sessions';
/** Every fifteen minutes. */
export const PURGE_SESSIONS_CRON = '0 */15 * * * *';

export interface AuthModuleDeps extends Omit<TokenRouteDeps, 'service'> {
  config: Config;
  sessions: SessionStore;
}

/** The token service, and expired browser sessions purged every fifteen minutes. */
export const authModule: FeatureModule<AuthModuleDeps> = {
  name: 'auth',
  routes(app, deps) {
    registerTokenRoutes(app, { ...deps, service: deps.config.auth.tokenService });
  },
  tasks: (deps) => ({
    [PURGE_SESSIONS_TASK]: async () => {
      await deps.sessions.purgeExpired(deps.clock.now());
    },
  }),
  schedules: () => [{ vendorType: PURGE_SESSIONS_VENDOR, cron: PURGE_SESSIONS_CRON, handler: enqueueTaskOnSchedule(PURGE_SESSIONS_TASK) }],
};
