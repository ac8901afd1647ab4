import { z } from 'zod';

/**
 * Harbor's GeneralInfo, the subset Berth has something to say about, and Berth's own version.
 * An anonymous caller gets only what the login page needs; the rest is for signed-in callers.
 */
export const GeneralInfoShape = z.strictObject({
  harbor_version: z.string(),
  berth_version: z.string(),
  auth_mode: z.string(),
  primary_auth_mode: z.boolean(),
  self_registration: z.boolean(),
  current_time: z.string(),
  /** In oidc_auth mode: the provider's name for the sign-in page's button (`oidc_name`). */
  oidc_provider_name: z.string().optional(),
  external_url: z.string().optional(),
  registry_url: z.string().optional(),
  project_creation_restriction: z.string().optional(),
  has_ca_root: z.boolean().optional(),
  read_only: z.boolean().optional(),
  with_notary: z.boolean().optional(),
  notification_enable: z.boolean().optional(),
  registry_storage_provider_name: z.string().optional(),
});

/** Harbor's SystemInfo: the volume holding the data directory, in bytes. */
export const SystemInfoShape = z.strictObject({ storage: z.array(z.strictObject({ total: z.number(), free: z.number() })) });

/** Harbor's Statistic: the projects and repositories the caller may see, and (administrators) the storage used. */
export const StatisticShape = z.strictObject({
  private_project_count: z.int(),
  private_repo_count: z.int(),
  public_project_count: z.int(),
  public_repo_count: z.int(),
  total_project_count: z.int(),
  total_repo_count: z.int(),
  total_storage_consumption: z.number(),
});

export type GeneralInfo = z.infer<typeof GeneralInfoShape>;
export type SystemInfoJson = z.infer<typeof SystemInfoShape>;
export type Statistic = z.infer<typeof StatisticShape>;
