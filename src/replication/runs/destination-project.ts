import { findProjectByName } from '../../projects/index.js';
import { remoteEndpoint, type EndpointDeps } from './endpoints.js';

/**
 * Harbor's push to another Harbor creates the destination project when it is missing there (its
 * adapter's PrepareForPush), public when the source project is; so does Berth's push to an
 * endpoint of type harbor. Other registries make namespaces on push, or refuse it, themselves.
 * Answers the project it created, if any.
 */
export async function prepareHarborProject(
  deps: EndpointDeps,
  registryId: number,
  sourceRepository: string,
  destinationRepository: string,
): Promise<string | undefined> {
  const endpoint = await deps.registries.get(registryId);
  if (endpoint.type !== 'harbor') return undefined;
  const project = destinationRepository.split('/')[0] ?? '';
  const source = await findProjectByName(deps.database.db, sourceRepository.split('/')[0] ?? '');
  const { client } = await remoteEndpoint(deps, registryId);
  return (await client.ensureHarborProject(project, source?.public === 1)) ? project : undefined;
}
