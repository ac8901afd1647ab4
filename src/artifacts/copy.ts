import { apiCaller, repositoryParam, requireProject, type ApiFeature } from '../api/index.js';
import { recordAudit } from '../audit/index.js';
import { identityName } from '../auth/index.js';
import type { Executor, Repository } from '../platform/db/index.js';
import { ApiError } from '../platform/errors/api-error.js';
import { isDigestReference } from '../platform/lib/digest.js';
import { isValidRepositoryName } from '../platform/lib/names.js';
import { firstImmutableTag } from '../policies/immutability/index.js';
import { QuotaExceededError } from '../projects/index.js';
import { ArtifactExistsError, copyArtifact, ensureRepository, findRepository } from '../content/index.js';
import type { RepositoryParams } from './schema.js';
import { ArtifactService } from './service.js';
import { recordEvents } from '../platform/events/index.js';

/** `project/repository:tag` or `project/repository@digest`, as Harbor's `from` names the source. */
export function parseCopySource(from: unknown): { project: string; repository: string; reference: string } {
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
  return { project: name.slice(0, slash), repository: name, reference };
}

/** Harbor's copy: `POST /projects/{p}/repositories/{r}/artifacts?from=…`. */
export const artifactCopyApi: ApiFeature = (scope, deps) => {
  const service = new ArtifactService(deps);

  scope.post<{ Params: RepositoryParams; Querystring: { from?: string } }>(
    '/projects/:project_name/repositories/:repository_name/artifacts',
    async (request, reply) => {
      const source = parseCopySource(request.query.from);
      const { project, permissions } = await requireProject(request, deps, request.params.project_name, 'artifact', 'create');
      const targetName = `${project.name}/${repositoryParam(request.params.repository_name)}`;
      if (!isValidRepositoryName(targetName)) throw new ApiError('BAD_REQUEST', `invalid repository name ${targetName}`);
      if (!permissions.can('artifact', 'create', targetName)) throw new ApiError('FORBIDDEN', `not allowed to create artifacts in repository ${targetName}`);
      const from = await requireProject(request, deps, source.project, 'repository', 'pull');
      if (!from.permissions.can('repository', 'pull', source.repository)) throw new ApiError('NOT_FOUND', `repository ${source.repository} not found`);
      const sourceRepository = await findRepository(deps.database.db, source.repository);
      if (!sourceRepository) throw new ApiError('NOT_FOUND', `repository ${source.repository} not found`);
      const artifact = await service.resolve(sourceRepository, source.reference);
      if (sourceRepository.name === targetName) throw new ApiError('CONFLICT', `the artifact ${targetName}@${artifact.digest} already exists`);

      const caller = apiCaller(request);
      const operator = identityName(caller.identity);
      const now = deps.clock.now();
      try {
        const digest = await deps.database.db.transaction().execute(async (trx) => {
          const target = await ensureRepository(trx, project.id, targetName, now);
          const { root, created, movedTags } = await copyArtifact(trx, sourceRepository, artifact, target, now);
          await refuseImmutableMoves(trx, target, movedTags);
          await recordEvents(
            trx,
            created.map(({ artifact: copied, tags }) => ({ type: 'PUSH_ARTIFACT', projectId: project.id, repository: targetName, digest: copied.digest, tag: tags[0] ?? null, operator, at: now })),
          );
          await recordAudit(trx, {
            projectId: project.id,
            operation: 'create',
            resourceType: 'artifact',
            resource: `${targetName}@${root.digest}`,
            username: operator,
            clientIp: caller.clientIp,
            at: now,
          });
          return root.digest;
        });
        reply
          .code(201)
          .header('location', `/api/v2.0/projects/${project.name}/repositories/${encodeURIComponent(encodeURIComponent(repositoryParam(request.params.repository_name)))}/artifacts/${digest}`);
        return reply.send();
      } catch (err) {
        if (err instanceof ArtifactExistsError) throw new ApiError('CONFLICT', err.message);
        if (err instanceof QuotaExceededError) throw new ApiError('FORBIDDEN', `quota exceeded: ${err.message}`);
        throw err;
      }
    },
  );
};

/** A copied tag may not take an immutable tag of the target away from its artifact; the rollback restores it. */
async function refuseImmutableMoves(trx: Executor, target: Repository, movedTags: readonly string[]): Promise<void> {
  const first = await firstImmutableTag(trx, target.project_id, target.name, movedTags);
  if (first !== undefined) throw new ApiError('PRECONDITION', `the tag ${target.name}:${first} is immutable and cannot be moved`);
}
