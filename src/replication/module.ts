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
import { EcrTokens } from './adapters/aws-ecr.js';
import { Placements } from './engine/copier.js';
import { RegistryClients } from './runs/endpoints.js';

/** What the replication module needs: the API's deps and the app's SecretBox. */
export interface ReplicationDeps extends ApiDeps {
  secrets: SecretBox;
}

/** What the app's replication keeps between requests and tasks: clients, their tokens, and where blobs went. */
interface ReplicationRuntime {
  clients: RegistryClients;
  ecrTokens: EcrTokens;
  placements: Placements;
}
const runtimes = new WeakMap<ReplicationDeps, ReplicationRuntime>();
function runtimeOf(deps: ReplicationDeps): ReplicationRuntime {
  let runtime = runtimes.get(deps);
  if (!runtime) {
    runtime = { clients: new RegistryClients(), ecrTokens: new EcrTokens(), placements: new Placements() };
    runtimes.set(deps, runtime);
  }
  return runtime;
}

const registryService = (deps: ReplicationDeps) =>
  new RegistryService({ database: deps.database, clock: deps.clock, secrets: deps.secrets, awsEcr: deps.config.awsEcr, ecrTokens: runtimeOf(deps).ecrTokens });

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
      runtimeOf(deps).clients,
    );
  },
  tasks: (deps) => {
    const { clients, placements } = runtimeOf(deps);
    return replicationTasks({ content: deps.content, database: deps.database, registries: registryService(deps), clock: deps.clock, clients, placements });
  },
  scheduleHandlers: () => replicationScheduleHandlers(),
  consumers: () => ({ replication: replicationConsumer() }),
};
