import { type ApiFeature, requireSystem } from '../api/index.js';
import { countUsersBesides } from '../auth/index.js';
import { parseBody } from '../platform/http/index.js';
import { checkChanges, configurationsResponse, updateSchema, withoutNulls } from './configurations.js';

/**
 * Harbor's GET/PUT /configurations, for system administrators. GET answers Harbor's
 * ConfigurationsResponse (`{"key":{"value":…,"editable":…}}`) for every key but the secrets;
 * PUT takes plain values of any key of Harbor's `Configurations`, each type-checked.
 */
export const configurationsApi: ApiFeature = (scope, deps) => {
  scope.get('/configurations', async (request) => {
    requireSystem(request, deps.access, 'configuration', 'read');
    return configurationsResponse(await deps.settings.get());
  });

  scope.put('/configurations', async (request, reply) => {
    requireSystem(request, deps.access, 'configuration', 'update');
    const changes = parseBody(updateSchema, withoutNulls(request.body));
    const current = await deps.settings.get();
    const usersBesidesAdmin = changes.auth_mode === undefined ? 0 : await countUsersBesides(deps.database.db, 'admin');
    await deps.settings.set(checkChanges(current, changes, usersBesidesAdmin));
    reply.code(200).send();
  });
};
