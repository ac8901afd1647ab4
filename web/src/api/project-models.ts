/** Responses the project's tabs read (summary, members, robots, labels, logs), under the server's definition names. */
import type { Definition } from './models';

export type ProjectSummary = Definition<'ProjectSummary'>;
export type ProjectMember = Definition<'ProjectMemberEntity'>;
export type RobotAccess = Definition<'Access'>;
export type RobotPermission = Definition<'RobotPermission'>;
/** A permission as a robot's create or update sends it: `effect` defaults to allow, and null patterns cover the whole project. */
export type RobotPermissionRequest = Omit<RobotPermission, 'access' | 'repository_patterns'> & {
  access: Array<Omit<RobotAccess, 'effect'> & { effect?: RobotAccess['effect'] }>;
  repository_patterns?: string[] | null;
};
export type Robot = Definition<'Robot'>;
/** The only answer that carries a robot's secret. */
export type RobotCreated = Definition<'RobotCreated'>;
/** What a robot may be granted, by level. */
export type PermissionCatalogue = Definition<'Permissions'>;
export type AuditLog = Definition<'AuditLog'>;
export type CurrentPermission = Definition<'Permission'>;
/** Project metadata as Berth keeps it: every value a string. */
export type ProjectMetadata = Definition<'ProjectMetadata'>;
