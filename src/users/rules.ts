import { ROBOT_PREFIX } from '../robots/index.js';

/** Harbor's password rule, with an upper bound so hashing cost stays bounded. */
export const PASSWORD_RULE = 'password must be 8 to 128 characters long and contain at least one lowercase letter, one uppercase letter and one digit';

/** Why a password breaks the rule, or undefined when it is fine. */
export function passwordProblem(password: string): string | undefined {
  const ok = password.length >= 8 && password.length <= 128 && /[a-z]/.test(password) && /[A-Z]/.test(password) && /[0-9]/.test(password);
  return ok ? undefined : PASSWORD_RULE;
}

export const MAX_NAME_LENGTH = 255;
/** Harbor caps comments at 30 characters; its portal and clients never send more. */
export const MAX_COMMENT_LENGTH = 30;

const ILLEGAL_NAME_CHARS = /[,"~#$%]/;
const ILLEGAL_REALNAME_CHARS = /[,~#$%]/;
const CONTROL_CHARS = /\p{Cc}/u;

export function usernameProblem(username: string): string | undefined {
  if (username.length < 1 || username.length > MAX_NAME_LENGTH) return `username must be 1 to ${MAX_NAME_LENGTH} characters long`;
  if (username.startsWith(ROBOT_PREFIX)) return `username must not start with "${ROBOT_PREFIX}": the prefix is reserved for robot accounts`;
  if (ILLEGAL_NAME_CHARS.test(username)) return 'username must not contain any of , " ~ # $ %';
  // Beyond Harbor: a colon cannot be sent in Basic credentials, so such a user could never log in with docker.
  if (username.includes(':')) return 'username must not contain ":" (it cannot be used in Basic credentials)';
  if (CONTROL_CHARS.test(username)) return 'username must not contain control characters';
  return undefined;
}

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@([A-Za-z0-9-]+\.)+[A-Za-z]{2,}$/;

export function emailProblem(email: string): string | undefined {
  if (email.length > MAX_NAME_LENGTH) return `email must be at most ${MAX_NAME_LENGTH} characters long`;
  if (!EMAIL.test(email)) return `email "${email}" is not a valid email address`;
  return undefined;
}

export function realnameProblem(realname: string): string | undefined {
  if (realname.length > MAX_NAME_LENGTH) return `realname must be at most ${MAX_NAME_LENGTH} characters long`;
  if (ILLEGAL_REALNAME_CHARS.test(realname)) return 'realname must not contain any of , ~ # $ %';
  if (CONTROL_CHARS.test(realname)) return 'realname must not contain control characters';
  return undefined;
}

export function commentProblem(comment: string): string | undefined {
  return comment.length > MAX_COMMENT_LENGTH ? `comment must be at most ${MAX_COMMENT_LENGTH} characters long` : undefined;
}
