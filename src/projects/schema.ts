import { z } from 'zod';
import { doublestarLimits } from '../platform/lib/index.js';
import { cveAllowlistReq } from './allowlist/index.js';

/** Harbor sends metadata values as strings; booleans are accepted too and normalised. */
export const metadataInput = z.record(z.string(), z.union([z.string(), z.boolean()]));
export type MetadataInput = z.infer<typeof metadataInput>;

/** Harbor's ProjectReq. Unknown fields are dropped, as Harbor's clients send them. */
export const projectReq = z.object({
  project_name: z.string().optional(),
  /** Deprecated in Harbor, still sent by replication and older clients. */
  public: z.boolean().nullable().optional(),
  metadata: metadataInput.nullable().optional(),
  cve_allowlist: cveAllowlistReq.nullable().optional(),
  storage_limit: z.number().int().nullable().optional(),
  registry_id: z.number().int().nullable().optional(),
});
export type ProjectReq = z.infer<typeof projectReq>;

export const MAX_REPOSITORY_PATTERNS = 50;

/** Beyond Harbor: glob patterns of repository names inside the project (`*` one segment, `**` any). */
export const repositoryPatterns = z
  .array(
    z
      .string()
      .min(1, 'a pattern must not be empty')
      .max(255, 'a pattern has at most 255 characters')
      .regex(/^[a-z0-9._\-/*]+$/, 'a pattern holds lowercase repository name characters, "/" and "*" only')
      .superRefine(doublestarLimits('repository')),
  )
  .min(1, 'give at least one pattern, or null for the whole project')
  .max(MAX_REPOSITORY_PATTERNS, `at most ${MAX_REPOSITORY_PATTERNS} patterns`);

const roleId = z.number().int();

/** Harbor's ProjectMember (groups are not supported yet). */
export const memberCreate = z.object({
  role_id: roleId,
  member_user: z
    .object({
      user_id: z.number().int().optional(),
      username: z.string().optional(),
    })
    .optional(),
  // Harbor's UserGroup: a group by id, by LDAP DN, or by name and type (members.ts).
  member_group: z
    .object({
      id: z.number().int().optional(),
      group_name: z.string().optional(),
      group_type: z.number().int().optional(),
      ldap_group_dn: z.string().optional(),
    })
    .nullable()
    .optional(),
  repository_patterns: repositoryPatterns.nullable().optional(),
});
export type MemberCreate = z.infer<typeof memberCreate>;

/** Harbor's RoleRequest, plus the repository patterns. */
export const memberUpdate = z.object({
  role_id: roleId.optional(),
  repository_patterns: repositoryPatterns.nullable().optional(),
});
export type MemberUpdate = z.infer<typeof memberUpdate>;

export { parseBody } from '../platform/http/index.js';
