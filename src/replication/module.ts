import type { ApiDeps } from '../api/index.js';
import type { FeatureModule } from '../platform/index.js';
import type { SecretBox } from '../platform/secrets/index.js';
import { replicationRoutes } from './policies/routes.js';
import { PolicyService } from './policies/service.js';
import { registryRoutes } from './routes.js';
import { replicationConsumer } from './runs/events.js';
import { RunService } from './runs/service.js';
import { replicationScheduleHandlers, replicationTasks } from './runs/tasks.js';
import { RegistryService } from './service.js';

/** What the replication module needs: the API's deps and the app's SecretBox. */
export interface ReplicationDeps extends ApiDeps {
  secrets: SecretBox;
}

const registryService = (deps: ReplicationDeps) =>
  new RegistryService({ database: deps.database, clock: deps.clock, secrets: deps.secrets, awsEcr: deps.config.awsEcr });

/** Replication: registry endpoints, policies, and their runs (one task per artifact, on the job service). */
export const replicationModule: FeatureModule<ReplicationDeps> = {
  name: 'replication',
  sealedColumns: [{ table: 'registries', key: 'id', column: 'access_secret', label: 'registry endpoint secrets' }],
  api(scope, deps) {
    registryRoutes(scope, deps, registryService(deps));
    replicationRoutes(
      scope,
      deps,
      new PolicyService({ database: deps.database, clock: deps.clock }),
      new RunService({ database: deps.database, clock: deps.clock }),
      registryService(deps),
    );
  },
  tasks: (deps) => replicationTasks({ content: deps.content, database: deps.database, registries: registryService(deps), clock: deps.clock }),
  scheduleHandlers: () => replicationScheduleHandlers(),
  consumers: () => ({ replication: replicationConsumer() }),
};
