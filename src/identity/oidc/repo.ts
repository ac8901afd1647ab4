import type { Executor, OidcUser } from '../../platform/db/index.js';

export function findOidcUserByUserId(db: Executor, userId: number): Promise<OidcUser | undefined> {
  return db.selectFrom('oidc_users').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

export function findOidcUserBySubject(db: Executor, issuer: string, subject: string): Promise<OidcUser | undefined> {
  return db.selectFrom('oidc_users').selectAll().where('issuer', '=', issuer).where('subject', '=', subject).executeTakeFirst();
}

/** What a sign-in learns of the provider's session: the sealed refresh token and when the access token runs out. */
export interface ProviderSession {
  sealedRefreshToken: string;
  tokenExpiresAt: number | null;
}

export async function insertOidcUser(
  db: Executor,
  row: { userId: number; issuer: string; subject: string; sealedSecret: string; secretHash: string; session: ProviderSession; now: number },
): Promise<void> {
  await db
    .insertInto('oidc_users')
    .values({
      user_id: row.userId,
      issuer: row.issuer,
      subject: row.subject,
      secret: row.sealedSecret,
      secret_hash: row.secretHash,
      refresh_token: row.session.sealedRefreshToken,
      token_expires_at: row.session.tokenExpiresAt,
      session_ended_at: null,
      created_at: row.now,
      updated_at: row.now,
    })
    .execute();
}

/** A sign-in or a refresh renewed the session: it is alive again. */
export async function saveProviderSession(db: Executor, userId: number, session: ProviderSession, now: number): Promise<void> {
  await db
    .updateTable('oidc_users')
    .set({ refresh_token: session.sealedRefreshToken, token_expires_at: session.tokenExpiresAt, session_ended_at: null, updated_at: now })
    .where('user_id', '=', userId)
    .execute();
}

/** The provider refused to refresh: the refresh token is useless from now on. */
export async function endProviderSession(db: Executor, userId: number, now: number): Promise<void> {
  await db.updateTable('oidc_users').set({ refresh_token: '', session_ended_at: now, updated_at: now }).where('user_id', '=', userId).execute();
}

export async function saveCliSecret(db: Executor, userId: number, sealedSecret: string, secretHash: string, now: number): Promise<void> {
  await db.updateTable('oidc_users').set({ secret: sealedSecret, secret_hash: secretHash, updated_at: now }).where('user_id', '=', userId).execute();
}
