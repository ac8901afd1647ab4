import type { ApiDeps } from '../api/index.js';
import type { FeatureModule } from '../platform/index.js';
import type { SecretBox } from '../platform/secrets/index.js';
import { registryRoutes } from './routes.js';
import { RegistryService } from './service.js';

/** What the replication module needs: the API's deps and the app's SecretBox. */
export interface ReplicationDeps extends ApiDeps {
  secrets: SecretBox;
}

/** Replication: for now its registry endpoints (Harbor's /registries and the adapters they may use). */
export const replicationModule: FeatureModule<ReplicationDeps> = {
  name: 'replication',
  sealedColumns: [{ table: 'registries', key: 'id', column: 'access_secret', label: 'registry endpoint secrets' }],
  api(scope, deps) {
    registryRoutes(scope, deps, new RegistryService({ database: deps.database, clock: deps.clock, secrets: deps.secrets }));
  },
};
