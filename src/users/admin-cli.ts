import { userInfo } from 'node:os';
import { readHiddenLine as readLine } from '../platform/lib/index.js';
import { recordAudit } from '../audit/index.js';
import { endSessions, hashPassword, findUserByName, updateUserPassword } from '../auth/index.js';
import type { Database } from '../platform/db/index.js';
import { passwordProblem } from './rules.js';

export class AdminCommandError extends Error {}

/**
 * Sets a user's password straight in the database, for an administrator locked out of the
 * API. The user's browser sessions end; a running server notices within seconds (it re-reads
 * accounts every few seconds).
 */
export async function resetPassword(database: Database, username: string, password: string, now: number): Promise<void> {
  const problem = passwordProblem(password);
  if (problem) throw new AdminCommandError(problem);
  const hash = await hashPassword(password);
  await database.db.transaction().execute(async (trx) => {
    const user = await findUserByName(trx, username);
    if (!user) throw new AdminCommandError(`no user named "${username}"`);
    await updateUserPassword(trx, user.id, hash, now);
    await endSessions(trx, user.id);
    await recordAudit(trx, {
      projectId: null,
      operation: 'update',
      resourceType: 'user',
      resource: username,
      username: `cli:${operatingSystemUser()}`,
      at: now,
    });
  });
}

function operatingSystemUser(): string {
  try {
    return userInfo().username.slice(0, 200);
  } catch {
    return 'unknown';
  }
}

/** Asks on the terminal without echo. */
export function readHiddenLine(prompt: string): Promise<string> {
  return readLine(prompt, {
    output: process.stdout,
    noTerminal: () => new AdminCommandError('no terminal to ask for the password on: set BERTH_NEW_PASSWORD'),
    cancelled: () => new AdminCommandError('cancelled'),
  });
}

/** The new password from BERTH_NEW_PASSWORD, or asked twice on the terminal. */
export async function newPasswordFromUser(env: NodeJS.ProcessEnv): Promise<string> {
  const fromEnv = env.BERTH_NEW_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const first = await readHiddenLine('New password: ');
  const problem = passwordProblem(first);
  if (problem) throw new AdminCommandError(problem);
  const second = await readHiddenLine('Repeat the new password: ');
  if (first !== second) throw new AdminCommandError('the passwords do not match');
  return first;
}
