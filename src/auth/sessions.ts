import { createHash, randomBytes } from 'node:crypto';
import type { Database, Executor } from '../platform/db/index.js';

export const SESSION_COOKIE = 'sid';
export const CSRF_HEADER = 'x-harbor-csrf-token';

export interface Session {
  /** The stored id (the cookie's hash), to name this session without its secret. */
  id: string;
  userId: number;
  csrfToken: string;
  expiresAt: number;
}

function hashId(cookie: string): string {
  return createHash('sha256').update(cookie).digest('hex');
}

/** Browser sessions: the cookie holds a random secret; the database only its hash. */
export class SessionStore {
  constructor(
    private readonly database: Database,
    private readonly lifetimeMs: number,
  ) {}

  async create(userId: number, now: number): Promise<{ cookie: string; session: Session }> {
    const cookie = randomBytes(32).toString('base64url');
    const session: Session = { id: hashId(cookie), userId, csrfToken: randomBytes(24).toString('base64url'), expiresAt: now + this.lifetimeMs };
    await this.database.db
      .insertInto('sessions')
      .values({ id: session.id, user_id: userId, csrf_token: session.csrfToken, expires_at: session.expiresAt, created_at: now })
      .execute();
    return { cookie, session };
  }

  /** The live session behind a cookie; sliding expiry is left out on purpose: a session ends when it ends. */
  async find(cookie: string, now: number): Promise<Session | undefined> {
    const row = await this.database.db.selectFrom('sessions').selectAll().where('id', '=', hashId(cookie)).executeTakeFirst();
    if (!row || row.expires_at <= now) return undefined;
    return { id: row.id, userId: row.user_id, csrfToken: row.csrf_token, expiresAt: row.expires_at };
  }

  async delete(cookie: string): Promise<void> {
    await this.database.db.deleteFrom('sessions').where('id', '=', hashId(cookie)).execute();
  }

  async deleteForUser(userId: number): Promise<void> {
    await endSessions(this.database.db, userId);
  }

  async purgeExpired(now: number): Promise<void> {
    await this.database.db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
  }
}

/** Ends a user's sessions (after a password change, say), all but `keepId` when one is given. */
export async function endSessions(db: Executor, userId: number, keepId?: string): Promise<void> {
  let query = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (keepId !== undefined) query = query.where('id', '!=', keepId);
  await query.execute();
}
