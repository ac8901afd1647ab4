import { ApiError } from '../errors/index.js';

/**
 * A repository path parameter. Harbor's clients escape names with slashes twice
 * (`a%252Fb`) and the router undoes one layer, so one decode is left to do here.
 */
export function repositoryParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ApiError('BAD_REQUEST', 'repository_name is not valid percent-encoded text');
  }
}
