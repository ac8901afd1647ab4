import { type ApiFeature, requireSystem } from '../api/index.js';
import { ApiError } from '../platform/errors/index.js';
import { configurationsUpdateSchema, parseBody } from './schema.js';

const FIXED_ITEMS = new Set(['auth_mode', 'token_expiration']);

interface ConfigItem<T> {
  value: T;
  editable: boolean;
}

/**
 * Harbor's GET/PUT /configurations for the settings Berth changes at run time. GET answers
 * Harbor's ConfigurationsResponse (`{"key":{"value":…,"editable":…}}`), including a few fixed
 * items the portal reads; PUT takes plain values of the editable ones.
 */
export const configurationsApi: ApiFeature = (scope, deps) => {
  scope.get('/configurations', async (request) => {
    requireSystem(request, deps.access, 'configuration', 'read');
    const settings = await deps.settings.get();
    const editable = <T>(value: T): ConfigItem<T> => ({ value, editable: true });
    const fixed = <T>(value: T): ConfigItem<T> => ({ value, editable: false });
    return {
      auth_mode: fixed('db_auth'),
      self_registration: editable(settings.self_registration),
      project_creation_restriction: editable(settings.project_creation_restriction),
      audit_log_retention_days: editable(settings.audit_log_retention_days),
      storage_per_project: editable(settings.storage_per_project),
      token_expiration: fixed(deps.config.auth.tokenExpirationMinutes),
    };
  });

  scope.put('/configurations', async (request, reply) => {
    requireSystem(request, deps.access, 'configuration', 'update');
    const body: unknown = request.body;
    if (typeof body === 'object' && body !== null) {
      const fixed = Object.keys(body).filter((key) => FIXED_ITEMS.has(key));
      if (fixed.length) throw new ApiError('BAD_REQUEST', `${fixed.join(', ')} cannot be changed at run time; set it in the configuration file`);
    }
    const changes = parseBody(configurationsUpdateSchema, body);
    await deps.settings.set(changes);
    reply.code(200).send();
  });
};
