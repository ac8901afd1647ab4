import type { ApiDeps } from '../api/index.js';
import type { FeatureModule } from '../platform/index.js';
import { robotsApi } from './routes.js';

export { AccessShape, PermissionsShape, RobotCreatedShape, RobotPermissionShape, RobotSecShape, RobotShape } from './shapes.js';
export { ROBOT_PREFIX, isRobotName, findRobotByName, robotGrants, robotIsActive, robotAccounts } from './accounts.js';

/** Robot accounts and their API. */
export const robotsModule: FeatureModule<ApiDeps> = { name: 'robots', api: robotsApi };
export { createJobRobot, deleteJobRobot, type JobRobot } from './job-robots.js';
