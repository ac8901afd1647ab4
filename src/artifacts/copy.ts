import { apiCaller, repositoryParam, requireProject, projectByName, type ApiFeature } from '../api/index.js';
import { identityName } from '../auth/index.js';
import { ApiError } from '../platform/errors/index.js';
import { isDigestReference } from '../platform/lib/index.js';
import { isValidRepositoryName } from '../platform/lib/index.js';
import type { RepositoryParams } from './schema.js';

/** `project/repository:tag` or `project/repository@digest`, as Harbor's `from` names the source. */
export function parseCopySource(from: unknown): { project: string; path: string; reference: string } {
  if (typeof from !== 'string' || from === '') throw new ApiError('BAD_REQUEST', 'from is required: project/repository:tag or project/repository@digest');
  const at = from.indexOf('@');
  let name: string;
  let reference: string;
  if (at >= 0) {
    name = from.slice(0, at);
    reference = from.slice(at + 1);
    if (!isDigestReference(reference)) throw new ApiError('BAD_REQUEST', `from: "${reference}" is not a digest`);
  } else {
    const colon = from.lastIndexOf(':');
    if (colon <= from.lastIndexOf('/')) throw new ApiError('BAD_REQUEST', 'from must end in :tag or @digest');
    name = from.slice(0, colon);
    reference = from.slice(colon + 1);
  }
  const slash = name.indexOf('/');
  if (slash <= 0 || !isValidRepositoryName(name)) throw new ApiError('BAD_REQUEST', `from: "${name}" is not a project/repository name`);
  return { project: name.slice(0, slash), path: name.slice(slash + 1), reference };
}

/** Harbor's copy: `POST /projects/{p}/repositories/{r}/artifacts?from=…`. */
export const artifactCopyApi: ApiFeature = (scope, deps) => {
  scope.post<{ Params: RepositoryParams; Querystring: { from?: string } }>(
    '/projects/:project_name/repositories/:repository_name/artifacts',
    async (request, reply) => {
      const source = parseCopySource(request.query.from);
      const { project, permissions } = await requireProject(request, deps, projectByName(request.params.project_name), 'artifact', 'create');
      const targetName = `${project.name}/${repositoryParam(request.params.repository_name)}`;
      if (!isValidRepositoryName(targetName)) throw new ApiError('BAD_REQUEST', `invalid repository name ${targetName}`);
      if (!permissions.can('artifact', 'create', targetName)) throw new ApiError('FORBIDDEN', `not allowed to create artifacts in repository ${targetName}`);
      // `from` names its project: digits are a name here, never an id. The row found is the one
      // whose permission is checked and whose repository is read.
      const from = await requireProject(request, deps, projectByName(source.project), 'repository', 'pull');
      const sourceName = `${from.project.name}/${source.path}`;
      if (!from.permissions.can('repository', 'pull', sourceName)) throw new ApiError('NOT_FOUND', `repository ${sourceName} not found`);
      const sourceRepository = await deps.content.findRepository(sourceName);
      if (!sourceRepository || sourceRepository.project_id !== from.project.id) throw new ApiError('NOT_FOUND', `repository ${sourceName} not found`);
      const artifact = await deps.content.resolve(sourceRepository, source.reference);
      const caller = apiCaller(request);
      const digest = await deps.content.copyArtifact(sourceRepository, artifact, project.id, targetName, {
        name: identityName(caller.identity),
        ip: caller.clientIp,
      });
      reply
        .code(201)
        .header(
          'location',
          `/api/v2.0/projects/${project.name}/repositories/${encodeURIComponent(encodeURIComponent(repositoryParam(request.params.repository_name)))}/artifacts/${digest}`,
        );
      return reply.send();
    },
  );
};
