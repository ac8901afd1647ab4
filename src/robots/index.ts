export { ROBOT_PREFIX, isRobotName, findRobotByName, robotGrants, robotIsActive } from './accounts.js';
