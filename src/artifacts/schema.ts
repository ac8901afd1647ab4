import { z } from 'zod';
import { ApiError } from '../platform/errors/index.js';
import { queryParam } from '../platform/http/index.js';

export const repositoryUpdateSchema = z.object({
  description: z.string().max(1024, 'must be at most 1024 characters'),
});

/** Clients post a whole Harbor `Tag`; only the name matters. */
export const tagCreateSchema = z.object({
  name: z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters'),
});

export type RepositoryParams = { project_name: string; repository_name: string };
export type ArtifactParams = RepositoryParams & { reference: string };

/** Harbor's boolean query flags; anything but true/false is a 400 naming the flag. */
export function flag(query: unknown, name: string, fallback: boolean): boolean {
  const value = queryParam(query, name);
  if (value === undefined || value === '') return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ApiError('BAD_REQUEST', `${name} must be true or false`);
}
