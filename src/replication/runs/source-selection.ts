import type { ReplicationFilter } from '../engine/filters.js';
import { remoteSelection, type Selected } from './candidates.js';
import { remoteEndpoint, type EndpointDeps } from './endpoints.js';
import { harborSelection } from './harbor-selection.js';

/**
 * What a pull policy selects on its source registry, listed as the endpoint's type allows:
 * through Harbor's API for a `harbor` endpoint, through the catalog and tag lists otherwise.
 * A run's planning and a policy's preview both ask here, so they agree.
 */
export async function sourceSelection(
  deps: Pick<EndpointDeps, 'registries' | 'clients'>,
  registryId: number,
  filters: readonly ReplicationFilter[],
  signal?: AbortSignal,
): Promise<Selected[]> {
  const { client } = await remoteEndpoint(deps, registryId);
  const { type } = await deps.registries.get(registryId);
  return type === 'harbor' ? harborSelection(client, filters, signal) : remoteSelection(client, filters, signal);
}
