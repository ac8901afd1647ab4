import type { components } from './schema';

type Definition = keyof components['schemas'];

/**
 * The fields the portal reads, under the definition names the server's document gives them.
 * The document names Harbor's definitions but does not describe their properties yet, so the
 * fields are spelled here; `satisfies` keeps each name tied to a definition the server lists.
 */
export const MODEL_NAMES = ['Project', 'Repository', 'Quota', 'UserResp', 'ProjectReq', 'PasswordReq'] as const satisfies readonly Definition[];
export type ModelName = (typeof MODEL_NAMES)[number];

export interface Project {
  project_id: number;
  name: string;
  repo_count: number;
  creation_time: string;
  owner_name?: string;
  current_user_role_id?: number;
  metadata: { public?: string };
}

export interface Repository {
  id: number;
  name: string;
  artifact_count: number;
  pull_count: number;
  update_time: string;
}

export interface Quota {
  id: number;
  ref: { id: number; name: string };
  hard: { storage: number };
  used: { storage: number };
}

export interface CurrentUser {
  user_id: number;
  username: string;
  sysadmin_flag: boolean;
}
