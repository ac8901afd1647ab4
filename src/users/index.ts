export { PASSWORD_RULE, passwordProblem, usernameProblem } from './rules.js';
export { AdminCommandError, newPasswordFromUser, resetPassword } from './admin-cli.js';
