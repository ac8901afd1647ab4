import { sql } from 'kysely';
import { isTopLevelArtifact } from '../content/index.js';
import { containsIgnoringCase, type Executor, type Project } from '../platform/db/index.js';

export interface RepositoryHit {
  name: string;
  pull_count: number;
  project_id: number;
  artifact_count: number;
}

/** Projects whose names contain `q`, ignoring case, by name. */
export function projectsMatching(db: Executor, q: string): Promise<Project[]> {
  return db
    .selectFrom('projects')
    .selectAll()
    .where(containsIgnoringCase(sql.ref('projects.name'), q))
    .orderBy('name')
    .execute();
}

/** Repositories whose names contain `q`, ignoring case, by name, with their artifact counts. */
export async function repositoriesMatching(db: Executor, q: string): Promise<RepositoryHit[]> {
  const rows = await db
    .selectFrom('repositories')
    .innerJoin('projects', 'projects.id', 'repositories.project_id')
    .select(['repositories.name', 'repositories.pull_count', 'projects.id as project_id'])
    .select((eb) =>
      eb
        .selectFrom('artifacts')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('artifacts.repository_id', '=', 'repositories.id')
        // Counted as the repository listing counts: top-level artifacts only.
        .where(isTopLevelArtifact)
        .as('artifact_count'),
    )
    .where(containsIgnoringCase(sql.ref('repositories.name'), q))
    .orderBy('repositories.name')
    .execute();
  return rows.map((r) => ({ name: r.name, pull_count: r.pull_count, project_id: r.project_id, artifact_count: Number(r.artifact_count) }));
}
