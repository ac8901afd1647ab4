import { userInfo } from 'node:os';
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

/** Reads one line from the terminal without echoing it. */
export function readHiddenLine(prompt: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) return Promise.reject(new AdminCommandError('no terminal to ask for the password on: set BERTH_NEW_PASSWORD'));
  return new Promise((resolve, reject) => {
    let line = '';
    process.stdout.write(prompt);
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const finish = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stdout.write('\n');
      if (error) reject(error);
      else resolve(line);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(new AdminCommandError('cancelled'));
        if (ch === '\u007f' || ch === '\b') line = line.slice(0, -1);
        else line += ch;
      }
    };
    input.on('data', onData);
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
