import type { Executor, User } from '../db/index.js';

export function findUserByName(db: Executor, username: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
}

export function findUserById(db: Executor, id: number): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function createUser(
  db: Executor,
  user: { username: string; passwordHash: string; sysadmin: boolean; realname?: string; now: number },
): Promise<User> {
  return db
    .insertInto('users')
    .values({
      username: user.username,
      password_hash: user.passwordHash,
      sysadmin_flag: user.sysadmin ? 1 : 0,
      realname: user.realname ?? '',
      email: null,
      created_at: user.now,
      updated_at: user.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
