/** Response fields the project's tabs read (summary, members, robots, labels, logs). */

export interface ProjectSummary {
  repo_count: number;
  project_admin_count?: number;
  maintainer_count?: number;
  developer_count?: number;
  guest_count?: number;
  limited_guest_count?: number;
  quota?: { hard: { storage: number }; used: { storage: number } };
}

export interface ProjectMember {
  id: number;
  entity_name: string;
  entity_type: string;
  role_id: number;
  role_name: string;
  repository_patterns: string[] | null;
}

export interface RobotAccess {
  resource: string;
  action: string;
  effect?: string;
}

export interface RobotPermission {
  kind: 'project' | 'system';
  namespace: string;
  access: RobotAccess[];
  repository_patterns?: string[] | null;
}

export interface Robot {
  id: number;
  name: string;
  description: string;
  level: 'system' | 'project';
  duration: number;
  disable: boolean;
  /** Epoch seconds, or -1 for never. */
  expires_at: number;
  permissions: RobotPermission[];
  creation_time: string;
}

export interface RobotCreated {
  id: number;
  name: string;
  secret: string;
}

export interface PermissionCatalogue {
  /** Only system administrators are shown the system level. */
  system?: Array<{ resource: string; action: string }>;
  project?: Array<{ resource: string; action: string }>;
}

export interface AuditLog {
  id: number;
  username: string;
  resource: string;
  resource_type: string;
  operation: string;
  op_time: string;
  success?: boolean;
}

export interface CurrentPermission {
  resource: string;
  action: string;
}

/** Project metadata as Berth stores it: every value a string. */
export type ProjectMetadata = Record<string, string | undefined>;
