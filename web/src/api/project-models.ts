/** Responses the project's tabs read (summary, members, robots, labels, logs), under the server's definition names. */
import type { Definition } from './models';

export type ProjectSummary = Definition<'ProjectSummary'>;
export type ProjectMember = Definition<'ProjectMemberEntity'>;
export type RobotAccess = Definition<'Access'>;
export type RobotPermission = Definition<'RobotPermission'>;
export type Robot = Definition<'Robot'>;
/** The only answer that carries a robot's secret. */
export type RobotCreated = Definition<'RobotCreated'>;
/** What a robot may be granted, by level. */
export type PermissionCatalogue = Definition<'Permissions'>;
export type ProjectLabel = Definition<'Label'>;
export type AuditLog = Definition<'AuditLog'>;
export type CurrentPermission = Definition<'Permission'>;
/** Project metadata as Berth keeps it: every value a string. */
export type ProjectMetadata = Definition<'ProjectMetadata'>;
