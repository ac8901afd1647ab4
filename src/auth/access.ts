import type { Project } from '../db/index.js';
import type { Identity } from './identity.js';

export type RepositoryAction = 'pull' | 'push' | 'delete';
export const REPOSITORY_ACTIONS: readonly RepositoryAction[] = ['pull', 'push', 'delete'];

/**
 * What `identity` may do to repositories of `project`. System admins may do everything;
 * everyone, signed in or not, may pull from a public project. Project roles extend this.
 */
export function allowedRepositoryActions(identity: Identity, project: Project): Set<RepositoryAction> {
  if (identity.kind === 'user' && identity.sysadmin) return new Set(REPOSITORY_ACTIONS);
  const allowed = new Set<RepositoryAction>();
  if (project.public) allowed.add('pull');
  return allowed;
}
