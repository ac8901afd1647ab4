import { sql } from 'kysely';
import { apiCaller, type ApiFeature } from '../api/index.js';
import { containsIgnoringCase, type Project } from '../platform/db/index.js';
import { ApiError } from '../platform/errors/index.js';

const LIMIT = 100;


/**
 * GET /search?q=: projects and repositories whose names contain the text, and only those
 * the caller may read: search must never reveal a private name.
 */
export const searchApi: ApiFeature = (scope, deps) => {
  scope.get('/search', async (request) => {
    const q = (request.query as Record<string, unknown>).q;
    if (typeof q !== 'string' || q.length === 0 || q.length > 255) throw new ApiError('BAD_REQUEST', 'q must be 1–255 characters');
    const { identity } = apiCaller(request);
    const { db } = deps.database;

    const projects = await db
      .selectFrom('projects')
      .selectAll()
      .where(containsIgnoringCase(sql.ref('projects.name'), q))
      .orderBy('name')
      .execute();
    const readable = new Map<number, Project>();
    for (const project of projects) {
      if ((await deps.access.forProject(identity, project)).can('', 'read')) readable.set(project.id, project);
    }

    const repositories = await db
      .selectFrom('repositories')
      .innerJoin('projects', 'projects.id', 'repositories.project_id')
      .select(['repositories.name', 'repositories.pull_count', 'projects.id as project_id'])
      .select((eb) =>
        eb.selectFrom('artifacts').select(eb.fn.countAll<number>().as('n')).whereRef('artifacts.repository_id', '=', 'repositories.id').as('artifact_count'),
      )
      .where(containsIgnoringCase(sql.ref('repositories.name'), q))
      .orderBy('repositories.name')
      .execute();
    const visibleRepositories = [];
    for (const repository of repositories) {
      if (Number(repository.artifact_count) === 0) continue;
      const project = readable.get(repository.project_id) ?? (await deps.database.db.selectFrom('projects').selectAll().where('id', '=', repository.project_id).executeTakeFirst());
      if (!project) continue;
      if (!(await deps.access.forProject(identity, project)).can('repository', 'pull', repository.name)) continue;
      visibleRepositories.push({
        project_id: project.id,
        project_name: project.name,
        project_public: project.public === 1,
        repository_name: repository.name,
        pull_count: repository.pull_count,
        artifact_count: Number(repository.artifact_count),
      });
      if (visibleRepositories.length >= LIMIT) break;
    }

    return {
      project: [...readable.values()].slice(0, LIMIT).map((p) => ({
        project_id: p.id,
        name: p.name,
        owner_id: p.owner_id,
        creation_time: new Date(p.created_at).toISOString(),
        update_time: new Date(p.updated_at).toISOString(),
        metadata: { public: p.public === 1 ? 'true' : 'false' },
      })),
      repository: visibleRepositories,
    };
  });
};
