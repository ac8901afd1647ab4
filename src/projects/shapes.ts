import { z } from 'zod';

/** Harbor's ProjectMetadata: the keys Berth keeps, each a string as Harbor sends it. */
export const ProjectMetadataShape = z.strictObject({
  public: z.string().optional(),
  enable_content_trust: z.string().optional(),
  enable_content_trust_cosign: z.string().optional(),
  prevent_vul: z.string().optional(),
  severity: z.string().optional(),
  auto_scan: z.string().optional(),
  auto_sbom_generation: z.string().optional(),
  reuse_sys_cve_allowlist: z.string().optional(),
  /** Berth's stricter content trust: a signature counts only when it verifies against the trust material. */
  require_verified_signature: z.string().optional(),
  retention_id: z.string().optional(),
  /** Harbor's bandwidth limit of a proxy cache project for upstream fetches, in KB/s; -1 unlimited. */
  proxy_speed_kb: z.string().optional(),
});

/** Harbor's CVEAllowlist: a project's (or the system's, project 0); `expires_at` in unix seconds, null: never. */
export const CVEAllowlistShape = z.strictObject({
  id: z.int(),
  project_id: z.int(),
  items: z.array(z.strictObject({ cve_id: z.string() })),
  expires_at: z.int().nullable(),
  creation_time: z.string(),
  update_time: z.string(),
});

/** Harbor's Project. The fields that need more lookups come only `with_detail`. */
export const ProjectShape = z.strictObject({
  project_id: z.int(),
  owner_id: z.int(),
  name: z.string(),
  creation_time: z.string(),
  update_time: z.string(),
  deleted: z.boolean(),
  owner_name: z.string().optional(),
  togglable: z.boolean().optional(),
  current_user_role_id: z.int().optional(),
  current_user_role_ids: z.array(z.int()).optional(),
  /** The registry endpoint of a proxy cache project; absent for other projects. */
  registry_id: z.int().optional(),
  repo_count: z.int(),
  chart_count: z.int(),
  metadata: ProjectMetadataShape,
  cve_allowlist: CVEAllowlistShape,
});

/** Harbor's ProjectMemberEntity, plus the repository patterns narrowing the member's role (null: the whole project). */
export const ProjectMemberEntityShape = z.strictObject({
  id: z.int(),
  project_id: z.int(),
  entity_name: z.string(),
  role_name: z.string(),
  role_id: z.int(),
  entity_id: z.int(),
  entity_type: z.string(),
  repository_patterns: z.array(z.string()).nullable(),
});

const storage = z.strictObject({ storage: z.number() });

/** Harbor's ProjectSummary: member counts for those who may list members, the quota for those who may read it. */
export const ProjectSummaryShape = z.strictObject({
  repo_count: z.int(),
  project_admin_count: z.int().optional(),
  maintainer_count: z.int().optional(),
  developer_count: z.int().optional(),
  guest_count: z.int().optional(),
  limited_guest_count: z.int().optional(),
  quota: z.strictObject({ hard: storage, used: storage }).optional(),
});

/** Harbor's QuotaRefObject for a project, as Harbor fills it. */
export const QuotaShape = z.strictObject({
  id: z.int(),
  ref: z.strictObject({ id: z.int(), name: z.string(), owner_name: z.string() }),
  hard: storage,
  used: storage,
  creation_time: z.string(),
  update_time: z.string(),
});

export type ProjectJson = z.infer<typeof ProjectShape>;
export type ProjectMemberJson = z.infer<typeof ProjectMemberEntityShape>;
export type ProjectSummaryJson = z.infer<typeof ProjectSummaryShape>;
export type QuotaJson = z.infer<typeof QuotaShape>;
