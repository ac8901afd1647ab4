import { apiCaller, type ApiFeature } from '../api/index.js';
import { ApiError } from '../platform/errors/index.js';
import { SearchService } from './service.js';
import type { SearchJson } from './shapes.js';

/**
 * GET /search?q=: projects and repositories whose names contain the text, and only those
 * the caller may read: search must never reveal a private name.
 */
export const searchApi: ApiFeature = (scope, deps) => {
  const search = new SearchService(deps);

  scope.get('/search', async (request): Promise<SearchJson> => {
    const q = (request.query as Record<string, unknown>).q;
    if (typeof q !== 'string' || q.length === 0 || q.length > 255) throw new ApiError('BAD_REQUEST', 'q must be 1–255 characters');
    const { identity } = apiCaller(request);
    const found = await search.search(identity, q);
    return {
      project: found.projects.map((p) => ({
        project_id: p.id,
        name: p.name,
        owner_id: p.owner_id,
        creation_time: new Date(p.created_at).toISOString(),
        update_time: new Date(p.updated_at).toISOString(),
        metadata: { public: p.public === 1 ? ('true' as const) : ('false' as const) },
      })),
      repository: found.repositories.map(({ project, repository }) => ({
        project_id: project.id,
        project_name: project.name,
        project_public: project.public === 1,
        repository_name: repository.name,
        pull_count: repository.pull_count,
        artifact_count: repository.artifact_count,
      })),
    };
  });
};
