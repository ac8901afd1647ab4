import type { Executor, Project } from '../db/index.js';

export function findProjectByName(db: Executor, name: string): Promise<Project | undefined> {
  return db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
}

export function listProjects(db: Executor): Promise<Project[]> {
  return db.selectFrom('projects').selectAll().orderBy('name').execute();
}

export async function createProject(
  db: Executor,
  project: { name: string; ownerId: number; public: boolean; now: number },
): Promise<Project> {
  return db
    .insertInto('projects')
    .values({
      name: project.name,
      owner_id: project.ownerId,
      public: project.public ? 1 : 0,
      created_at: project.now,
      updated_at: project.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
