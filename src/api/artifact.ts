import type { FastifyRequest } from 'fastify';
import type { Artifact, Project, Repository } from '../platform/db/index.js';
import { ApiError } from '../platform/errors/index.js';
import { repositoryParam } from '../platform/http/index.js';
import { projectByName, requireProject, type ApiDeps } from './context.js';

/** The path parameters of Harbor's artifact routes. */
export type ArtifactParams = { Params: { project_name: string; repository_name: string; reference: string } };

/** The path's project, repository and artifact, if the caller holds the permission on the repository. */
export async function authorizedArtifact(
  request: FastifyRequest<ArtifactParams>,
  deps: ApiDeps,
  resource: string,
  action: string,
): Promise<{ project: Project; repository: Repository; artifact: Artifact; tag: string | undefined }> {
  const path = repositoryParam(request.params.repository_name);
  const { project, permissions } = await requireProject(request, deps, projectByName(request.params.project_name), resource, action);
  const name = `${project.name}/${path}`;
  if (!permissions.can(resource, action, name)) throw new ApiError('FORBIDDEN', `not allowed to ${action} ${resource} in repository ${name}`);
  const repository = await deps.content.findRepository(name);
  if (!repository || repository.project_id !== project.id) throw new ApiError('NOT_FOUND', `repository ${name} not found`);
  const reference = request.params.reference;
  const artifact = await deps.content.resolve(repository, reference);
  return { project, repository, artifact, tag: reference.includes(':') ? undefined : reference };
}
