import type { ApiDeps } from '../../api/index.js';
import type { FeatureModule } from '../../platform/module.js';
import { immutabilityApi } from './routes.js';
import type { Executor } from '../../platform/db/index.js';
import { rulesOf } from './repo.js';
import { isImmutable } from './rules.js';

export { immutabilityApi } from './routes.js';
export { doublestarMatch } from './doublestar.js';

/** The first of the given tags of a repository (`project/repo`) that an immutability rule protects. */
export async function firstImmutableTag(db: Executor, projectId: number, repository: string, tags: readonly string[]): Promise<string | undefined> {
  if (tags.length === 0) return undefined;
  const rules = await rulesOf(db, projectId);
  if (rules.length === 0) return undefined;
  const inside = repository.slice(repository.indexOf('/') + 1);
  return tags.find((tag) => isImmutable(rules, inside, tag));
}

/**
 * The project's rules read once, as a test of repository (`project/repo`) and tag: for
 * listings that report the status of many tags.
 */
export async function immutabilityOf(db: Executor, projectId: number): Promise<(repository: string, tag: string) => boolean> {
  const rules = await rulesOf(db, projectId);
  if (rules.length === 0) return () => false;
  return (repository, tag) => isImmutable(rules, repository.slice(repository.indexOf('/') + 1), tag);
}

/** Tag immutability rules and their API. */
export const immutabilityModule: FeatureModule<ApiDeps> = { name: 'immutability', api: immutabilityApi };
