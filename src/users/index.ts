import type { ApiDeps } from '../api/index.js';
import type { FeatureModule } from '../platform/index.js';
import { usersApi } from './routes.js';
import { registerSessionRoutes } from './session-routes.js';

export { sessionCookie } from './session-routes.js';

export { OIDCUserInfoShape, UserRespShape, UserSearchRespItemShape, type OidcUserMetaJson } from './shapes.js';
export { PASSWORD_RULE, passwordProblem, usernameProblem } from './rules.js';
export { AdminCommandError, newPasswordFromUser, resetPassword } from './admin-cli.js';

/** Users and the runtime configuration API, and browser sign-in (/c/login, /c/log_out). */
export const usersModule: FeatureModule<ApiDeps> = {
  name: 'users',
  api: usersApi,
  routes: registerSessionRoutes,
};
