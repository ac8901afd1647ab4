import type { ContentService } from '../../content/index.js';
import type { Database } from '../../platform/db/index.js';
import { RegistryClient, type RegistryConnection } from '../../platform/registry-client/index.js';
import type { Endpoint } from '../engine/endpoint.js';
import { LocalEndpoint } from '../engine/local-endpoint.js';
import { RemoteEndpoint } from '../engine/remote-endpoint.js';
import type { ReplicationPolicy } from '../policies/schema.js';
import type { RegistryService } from '../service.js';

export interface EndpointDeps {
  content: ContentService;
  database: Database;
  registries: RegistryService;
  clients: RegistryClients;
}

const MAX_CLIENTS = 64;

/**
 * One registry client per endpoint and connection: its token cache and connections serve every
 * task of every run, so a replication signs in to a remote once per token, not per request.
 */
export class RegistryClients {
  private readonly clients = new Map<string, RegistryClient>();

  clientFor(connection: RegistryConnection): RegistryClient {
    const key = JSON.stringify(connection);
    let client = this.clients.get(key);
    if (!client) {
      if (this.clients.size >= MAX_CLIENTS) {
        for (const old of this.clients.values()) old.close();
        this.clients.clear();
      }
      client = new RegistryClient({ ...connection, userAgent: 'berth-replication' });
      this.clients.set(key, client);
    }
    return client;
  }
}

export async function remoteEndpoint(
  deps: Pick<EndpointDeps, 'registries' | 'clients'>,
  registryId: number,
): Promise<{ endpoint: RemoteEndpoint; client: RegistryClient }> {
  const connection = await deps.registries.connection(registryId);
  const client = deps.clients.clientFor(connection);
  return { endpoint: new RemoteEndpoint(client, connection.url), client };
}

/** The two sides of a policy's copies: the remote registry, and this Berth acting as the policy's creator. */
export async function sidesOf(deps: EndpointDeps, policy: ReplicationPolicy): Promise<{ source: Endpoint; destination: Endpoint }> {
  const local = new LocalEndpoint({ content: deps.content, database: deps.database }, { name: `replication:${policy.name}` });
  if (policy.srcRegistryId !== null) return { source: (await remoteEndpoint(deps, policy.srcRegistryId)).endpoint, destination: local };
  return { source: local, destination: (await remoteEndpoint(deps, policy.destRegistryId!)).endpoint };
}
