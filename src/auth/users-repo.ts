import type { Executor, User } from '../platform/db/index.js';

export function findUserByName(db: Executor, username: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
}

export function findUserById(db: Executor, id: number): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Emails are compared without case: `Ann@Example.com` and `ann@example.com` are one mailbox. */
export function findUserByEmail(db: Executor, email: string): Promise<User | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
    .orderBy('id')
    .executeTakeFirst();
}

export async function createUser(
  db: Executor,
  user: { username: string; passwordHash: string; sysadmin: boolean; realname?: string; email?: string | null; comment?: string; now: number },
): Promise<User> {
  return db
    .insertInto('users')
    .values({
      username: user.username,
      password_hash: user.passwordHash,
      sysadmin_flag: user.sysadmin ? 1 : 0,
      realname: user.realname ?? '',
      email: user.email ?? null,
      comment: user.comment ?? '',
      created_at: user.now,
      updated_at: user.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateUserPassword(db: Executor, id: number, passwordHash: string, now: number): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', id).execute();
}

/** How many accounts there are besides the one of that name (the bootstrap `admin`). */
export async function countUsersBesides(db: Executor, username: string): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('username', '<>', username)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
