import { ROLE_BY_ID, ROLE_IDS, ROLE_NAMES, type Role } from '../auth/index.js';
import type { CveAllowlistRow, Project } from '../platform/db/index.js';
import { allowlistJson } from './allowlist/index.js';
import type { MemberRow } from './members-repo.js';
import type { ProjectJson, ProjectMemberJson } from './shapes.js';

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export interface ProjectDetail {
  ownerName: string | null;
  metadata: Record<string, string>;
  repoCount: number;
  /** The caller's roles in the project, highest first (none: not a member). */
  roles: readonly Role[];
  /** Harbor's `with_detail=false` leaves out what needs more lookups. */
  withDetail: boolean;
  /** The project's own CVE allowlist; none stored: an empty one. */
  allowlist: CveAllowlistRow | undefined;
}

/** Harbor's Project definition. */
export function projectJson(project: Project, detail: ProjectDetail): ProjectJson {
  const roleIds = detail.roles.map((role) => ROLE_IDS[role]);
  return {
    project_id: project.id,
    owner_id: project.owner_id,
    name: project.name,
    creation_time: iso(project.created_at),
    update_time: iso(project.updated_at),
    deleted: false,
    ...(detail.withDetail
      ? {
          owner_name: detail.ownerName ?? '',
          togglable: true,
          current_user_role_id: roleIds[0] ?? 0,
          current_user_role_ids: roleIds,
        }
      : {}),
    // Harbor leaves registry_id out for projects that are not proxy caches.
    ...(project.registry_id !== null ? { registry_id: project.registry_id } : {}),
    repo_count: detail.repoCount,
    chart_count: 0,
    metadata: detail.metadata,
    cve_allowlist: allowlistJson(detail.allowlist, project.id, { created: project.created_at, updated: project.updated_at }),
  };
}

/** Harbor's ProjectMemberEntity, plus the repository patterns narrowing the member's role. */
export function memberJson(member: MemberRow): ProjectMemberJson {
  const role = ROLE_BY_ID.get(member.role);
  return {
    id: member.id,
    project_id: member.project_id,
    entity_name: member.entity_name,
    role_name: role ? ROLE_NAMES[role] : '',
    role_id: member.role,
    entity_id: member.entity_id,
    entity_type: member.entity_type,
    repository_patterns: member.repository_patterns ? (JSON.parse(member.repository_patterns) as string[]) : null,
  };
}
