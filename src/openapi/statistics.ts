import type { AccessControl, Identity } from '../auth/index.js';
import type { Database } from '../platform/db/index.js';
import { listProjects } from '../projects/index.js';
import { repositoryCountsByProject, totalBlobBytes } from './repo.js';
import type { Statistic } from './shapes.js';

export type { Statistic };

/**
 * Counts only projects (and their repositories) the caller may read, so the numbers do not
 * reveal how many private projects exist. Storage consumption is a system administrator's figure.
 */
export async function statisticsFor(deps: { database: Database; access: AccessControl }, identity: Identity): Promise<Statistic> {
  const db = deps.database.db;
  const [projects, repoCounts] = await Promise.all([listProjects(db), repositoryCountsByProject(db)]);
  const stats: Statistic = {
    private_project_count: 0,
    private_repo_count: 0,
    public_project_count: 0,
    public_repo_count: 0,
    total_project_count: 0,
    total_repo_count: 0,
    total_storage_consumption: 0,
  };
  for (const project of projects) {
    const permissions = await deps.access.forProject(identity, project);
    if (!permissions.can('', 'read')) continue;
    const repos = repoCounts.get(project.id) ?? 0;
    if (project.public) {
      stats.public_project_count += 1;
      stats.public_repo_count += repos;
    } else {
      stats.private_project_count += 1;
      stats.private_repo_count += repos;
    }
  }
  stats.total_project_count = stats.public_project_count + stats.private_project_count;
  stats.total_repo_count = stats.public_repo_count + stats.private_repo_count;
  if (identity.kind === 'user' && identity.sysadmin) stats.total_storage_consumption = await totalBlobBytes(db);
  return stats;
}
