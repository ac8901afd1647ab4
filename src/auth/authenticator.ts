import { createHash } from 'node:crypto';
import type { Database, User } from '../db/index.js';
import { TtlCache } from '../lib/ttl-cache.js';
import type { Clock } from '../system/clock.js';
import { ANONYMOUS, type Identity } from './identity.js';
import { verifyPassword } from './passwords.js';
import type { TokenClaims, TokenSigner } from './tokens.js';
import { findUserByName } from './users-repo.js';

export type Credentials =
  | { kind: 'none' }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string }
  | { kind: 'malformed' };

export function parseAuthorization(header: string | undefined): Credentials {
  if (!header) return { kind: 'none' };
  const space = header.indexOf(' ');
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer' && value) return { kind: 'bearer', token: value };
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return { kind: 'malformed' };
}

/** Outcome of checking a request's credentials. */
export type Authentication =
  | { ok: true; identity: Identity; token?: TokenClaims }
  | { ok: false; reason: string };

/** Successful password checks are remembered briefly: scrypt on every Basic request would cap throughput. */
const PASSWORD_CACHE_MS = 60_000;
/** How long a token subject's account is trusted without a database read. */
const SUBJECT_CACHE_MS = 5_000;

export class Authenticator {
  private readonly passwordCache = new Map<string, { identity: Identity; until: number }>();
  private readonly subjects: TtlCache<User>;

  constructor(
    private readonly database: Database,
    private readonly signer: TokenSigner,
    private readonly clock: Clock,
  ) {
    this.subjects = new TtlCache<User>(SUBJECT_CACHE_MS, 10_000, () => clock.now());
  }

  async authenticate(credentials: Credentials): Promise<Authentication> {
    switch (credentials.kind) {
      case 'none':
        return { ok: true, identity: ANONYMOUS };
      case 'malformed':
        return { ok: false, reason: 'malformed Authorization header' };
      case 'basic':
        return this.password(credentials.username, credentials.password);
      case 'bearer':
        return this.bearer(credentials.token);
    }
  }

  async password(username: string, password: string): Promise<Authentication> {
    const key = createHash('sha256').update(`${username}\0${password}`).digest('base64');
    const now = this.clock.now();
    const cached = this.passwordCache.get(key);
    if (cached && cached.until > now) return { ok: true, identity: cached.identity };
    const user = await findUserByName(this.database.db, username);
    if (!user || !(await verifyPassword(password, user.password_hash))) {
      return { ok: false, reason: 'invalid username or password' };
    }
    const identity: Identity = { kind: 'user', id: user.id, username: user.username, sysadmin: user.sysadmin_flag === 1 };
    if (this.passwordCache.size >= 1000) this.passwordCache.clear();
    this.passwordCache.set(key, { identity, until: now + PASSWORD_CACHE_MS });
    return { ok: true, identity };
  }

  /** Forgets everything remembered about accounts, e.g. after a password or role change. */
  forgetAccounts(): void {
    this.passwordCache.clear();
    this.subjects.clear();
  }

  private async bearer(token: string): Promise<Authentication> {
    const claims = await this.signer.verify(token, Math.floor(this.clock.now() / 1000));
    if (!claims) return { ok: false, reason: 'invalid or expired token' };
    if (!claims.sub) return { ok: true, identity: ANONYMOUS, token: claims };
    // The subject is looked up so a deleted or demoted user's token stops working.
    const user = await this.subjects.getOrLoad(claims.sub, () => findUserByName(this.database.db, claims.sub));
    if (!user) return { ok: false, reason: 'token subject no longer exists' };
    return {
      ok: true,
      identity: { kind: 'user', id: user.id, username: user.username, sysadmin: user.sysadmin_flag === 1 },
      token: claims,
    };
  }
}
