import type { ApiDeps } from '../api/index.js';
import type { Identity } from '../auth/index.js';
import type { Project } from '../platform/db/index.js';
import { findProjectById } from '../projects/index.js';
import { projectsMatching, repositoriesMatching, type RepositoryHit } from './repo.js';

/** At most this many projects and this many repositories are found. */
export const SEARCH_LIMIT = 100;

export interface SearchResult {
  projects: Project[];
  repositories: Array<{ project: Project; repository: RepositoryHit }>;
}

/**
 * Projects and repositories whose names contain the text, and only those the identity may
 * read: search must never reveal a private name. Empty repositories are left out.
 */
export class SearchService {
  constructor(private readonly deps: Pick<ApiDeps, 'database' | 'access'>) {}

  async search(identity: Identity, q: string): Promise<SearchResult> {
    const { db } = this.deps.database;
    const { access } = this.deps;

    const readable = new Map<number, Project>();
    for (const project of await projectsMatching(db, q)) {
      if ((await access.forProject(identity, project)).can('', 'read')) readable.set(project.id, project);
    }

    const repositories = [];
    for (const repository of await repositoriesMatching(db, q)) {
      if (repository.artifact_count === 0) continue;
      const project = readable.get(repository.project_id) ?? (await findProjectById(db, repository.project_id));
      if (!project) continue;
      if (!(await access.forProject(identity, project)).can('repository', 'pull', repository.name)) continue;
      repositories.push({ project, repository });
      if (repositories.length >= SEARCH_LIMIT) break;
    }

    return { projects: [...readable.values()].slice(0, SEARCH_LIMIT), repositories };
  }
}
