import { createHash } from 'node:crypto';
import type { CacheInvalidation, Database, User } from '../platform/db/index.js';
import { TtlCache, WindowCounter } from '../platform/lib/index.js';
import type { Clock } from '../platform/clock.js';
import { accountRef, ANONYMOUS, type Identity } from './identity.js';
import { UNMATCHABLE_HASH, verifyPassword } from './passwords.js';
import type { TokenClaims, TokenSigner } from './tokens.js';
import { findUserById, findUserByName } from './users-repo.js';

export type Credentials = { kind: 'none' } | { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string } | { kind: 'malformed' };

/** Longest username (or robot name) accepted, in UTF-8 bytes: the database column's bound. */
export const MAX_LOGIN_NAME_BYTES = 255;

export function parseAuthorization(header: string | undefined): Credentials {
  if (!header) return { kind: 'none' };
  const space = header.indexOf(' ');
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer' && value) return { kind: 'bearer', token: value };
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // A name longer than any account's is refused here, before a lookup, a hash or a log row.
    if (colon > 0 && Buffer.byteLength(decoded.slice(0, colon)) <= MAX_LOGIN_NAME_BYTES) {
      return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
  }
  return { kind: 'malformed' };
}

/** Outcome of checking a request's credentials. */
export type Authentication =
  | { ok: true; identity: Identity; token?: TokenClaims }
  /** `retryAfterSeconds` is set when the client's address is refused for too many failed logins (429). */
  | { ok: false; reason: string; retryAfterSeconds?: number };

/** A user or robot as authentication sees it. */
export interface Account {
  identity: Identity;
  secretHash: string;
  /** False for disabled or expired robots. */
  active: boolean;
  /** Why an inactive account is refused, when there is more to say than "disabled or expired". */
  refusal?: string;
}

/**
 * How an identity provider's users present Basic credentials (an OIDC user's CLI secret): the
 * secret they are checked against instead of the local password. Given to the Authenticator
 * when the app is assembled, as the robots are.
 */
export interface ExternalCredentials {
  /** Under the current authentication mode; undefined leaves the user's own password. */
  forUser(user: User): Promise<{ secretHash: string; active: boolean; refusal?: string } | undefined>;
}

/**
 * Robot accounts as authentication needs them. The robots feature owns them and builds on auth,
 * so it hands this lookup to the Authenticator when the app is assembled.
 */
export interface RobotAccounts {
  /** Whether a name can only be a robot's (it carries the reserved `robot$` prefix): then no user is looked up. */
  isRobotName(name: string): boolean;
  /** The robot of that name as an account, `active` as of `now`; undefined if there is none. */
  find(name: string, now: number): Promise<Account | undefined>;
}

/** What an external directory (LDAP) says of a name and password. */
export type DirectoryVerdict =
  | { ok: true; userId: number }
  /** `unknown`: the directory has no such user (the name may still be a robot's). */
  | { ok: false; reason: string; unknown?: boolean };

/**
 * Users kept in a directory rather than here (LDAP in `ldap_auth` mode). The identity feature
 * builds on auth, so it hands this to the Authenticator when the app is assembled.
 */
export interface PasswordDirectory {
  /**
   * The directory's verdict on the name and password, the user onboarded and their groups
   * recorded on success; undefined when the directory does not decide for the name (another
   * mode is on, or it is the local `admin`), so the local password applies.
   */
  verify(name: string, secret: string): Promise<DirectoryVerdict | undefined>;
}

/** Verified secrets are remembered: scrypt on every Basic request would cap throughput. */
const SECRET_CACHE_MS = 60_000;
/** How long an account row (role, disabled, expiry, secret) is used without a database read. */
const ACCOUNT_CACHE_MS = 5_000;
/** Failed logins for one name are answered this much slower, so guessing stays slow. */
const FAILURE_DELAY_MS = 1_500;
/** Failed logins one client address may make per window before it is answered 429. */
const ADDRESS_MAX_FAILURES = 10;
const ADDRESS_WINDOW_MS = 60_000;

export class Authenticator {
  /** sha256(name, secret) → the stored hash it was verified against. */
  private readonly verifiedSecrets: TtlCache<string>;
  private readonly accounts: TtlCache<Account>;
  private readonly recentFailures: TtlCache<number>;
  /** Failed logins per client address, in memory: after too many in one window the address is refused until it ends. Each instance counts what it saw (README). */
  private readonly failuresByAddress: WindowCounter;

  constructor(
    private readonly database: Database,
    private readonly signer: TokenSigner,
    private readonly clock: Clock,
    private readonly robots: RobotAccounts,
    /** Drops remembered accounts on every instance; unset, on this one only. */
    private readonly invalidation?: CacheInvalidation,
    /** Decides for directory users (LDAP) before local passwords are looked at. */
    private readonly directory?: PasswordDirectory,
    /** Secrets other than the local password a user signs in with (OIDC CLI secrets). */
    private readonly external?: ExternalCredentials,
  ) {
    const now = () => clock.now();
    this.verifiedSecrets = new TtlCache<string>(SECRET_CACHE_MS, 10_000, now);
    this.accounts = new TtlCache<Account>(ACCOUNT_CACHE_MS, 10_000, now);
    this.recentFailures = new TtlCache<number>(60_000, 10_000, now);
    this.failuresByAddress = new WindowCounter(ADDRESS_MAX_FAILURES, ADDRESS_WINDOW_MS, 100_000, now);
    invalidation?.on('accounts', () => this.forgetLocally());
  }

  /** `clientIp` is who asks: failed password logins are counted per address. */
  async authenticate(credentials: Credentials, clientIp: string): Promise<Authentication> {
    switch (credentials.kind) {
      case 'none':
        return { ok: true, identity: ANONYMOUS };
      case 'malformed':
        return { ok: false, reason: 'malformed Authorization header' };
      case 'basic':
        return this.password(credentials.username, credentials.password, clientIp);
      case 'bearer':
        return this.bearer(credentials.token);
    }
  }

  /**
   * A username (or robot name) and its password (or secret), from `clientIp`. An address with
   * too many recent failures is refused before anything is looked up, whatever it sends.
   */
  async password(name: string, secret: string, clientIp: string): Promise<Authentication> {
    const retryAfterSeconds = this.failuresByAddress.blockedFor(clientIp);
    if (retryAfterSeconds !== undefined) return { ok: false, reason: 'too many failed logins from this address', retryAfterSeconds };
    if (Buffer.byteLength(name) > MAX_LOGIN_NAME_BYTES) {
      this.failuresByAddress.count(clientIp);
      return { ok: false, reason: 'invalid username or password' };
    }
    let unknownToDirectory = false;
    if (this.directory && !this.robots.isRobotName(name)) {
      const verdict = await this.directory.verify(name, secret);
      if (verdict?.ok) return this.directoryUser(verdict.userId);
      if (verdict && !verdict.unknown) return this.refuse(name, clientIp, verdict.reason);
      unknownToDirectory = verdict !== undefined;
    }
    const key = createHash('sha256').update(`${name}\0${secret}`).digest('base64');
    // A name the directory does not know may still be a robot's (named with another prefix);
    // local users other than admin do not sign in while a directory decides (Harbor's rule).
    const account = unknownToDirectory ? await this.robots.find(name, this.clock.now()) : await this.account(name);
    const verified = this.verifiedSecrets.get(key);
    if (account && verified !== undefined && verified === account.secretHash) return this.activeOrRefused(account);
    // A name without an account is checked against a hash nothing matches, at the same cost,
    // so how long a failure takes does not tell which names exist.
    const matches = await verifyPassword(secret, account?.secretHash ?? UNMATCHABLE_HASH);
    if (!account || !matches) return this.refuse(name, clientIp, 'invalid username or password');
    this.verifiedSecrets.set(key, account.secretHash);
    return this.activeOrRefused(account);
  }

  private activeOrRefused(account: Account): Authentication {
    return account.active ? { ok: true, identity: account.identity } : { ok: false, reason: account.refusal ?? 'account is disabled or expired' };
  }

  private async refuse(name: string, clientIp: string, reason: string): Promise<Authentication> {
    this.failuresByAddress.count(clientIp);
    await this.slowDown(name);
    return { ok: false, reason };
  }

  /** A user the directory just vouched for, read afresh: the sign-in may have changed their groups and admin flag. */
  private async directoryUser(userId: number): Promise<Authentication> {
    const user = await findUserById(this.database.db, userId);
    if (!user) return { ok: false, reason: 'invalid username or password' };
    this.accounts.delete(user.username);
    return { ok: true, identity: { kind: 'user', id: user.id, username: user.username, sysadmin: user.sysadmin_flag === 1 || user.group_admin === 1 } };
  }

  /** Forgets everything remembered about accounts, after a password, role or robot change. */
  forgetAccounts(): void {
    if (this.invalidation) this.invalidation.changed('accounts');
    else this.forgetLocally();
  }

  private forgetLocally(): void {
    this.verifiedSecrets.clear();
    this.accounts.clear();
  }

  private async bearer(token: string): Promise<Authentication> {
    const claims = await this.signer.verify(token, Math.floor(this.clock.now() / 1000));
    if (!claims) return { ok: false, reason: 'invalid or expired token' };
    if (!claims.sub) return { ok: true, identity: ANONYMOUS, token: claims };
    // The subject is looked up so a deleted, demoted or disabled account's token stops working,
    // and its id compared, so neither does it open a later account that took the same name.
    const account = await this.account(claims.sub);
    if (!account || !account.active) return { ok: false, reason: 'token subject is no longer active' };
    if (claims.account === undefined || claims.account !== accountRef(account.identity)) {
      return { ok: false, reason: 'token was issued to another account' };
    }
    return { ok: true, identity: account.identity, token: claims };
  }

  /**
   * A `robot$` name is a robot's; any other is a user's, or else a robot's named with another
   * prefix (`robot_name_prefix` may change; robots keep the name they were given). Robots and
   * users never share a name, so the order decides nothing but the cost of a user's login.
   */
  private account(name: string): Promise<Account | undefined> {
    return this.accounts.getOrLoad(name, async () => {
      if (this.robots.isRobotName(name)) return this.robots.find(name, this.clock.now());
      return (await this.loadUser(name)) ?? (await this.robots.find(name, this.clock.now()));
    });
  }

  private async loadUser(name: string): Promise<Account | undefined> {
    const user = await findUserByName(this.database.db, name);
    if (!user) return undefined;
    const identity: Identity = { kind: 'user', id: user.id, username: user.username, sysadmin: user.sysadmin_flag === 1 || user.group_admin === 1 };
    const external = await this.external?.forUser(user);
    if (external) return { identity, ...external };
    return { identity, secretHash: user.password_hash, active: true };
  }

  /** Harbor freezes a name for 1.5 s after a failed login; repeated failures wait that long. */
  private async slowDown(name: string): Promise<void> {
    const failures = (this.recentFailures.get(name) ?? 0) + 1;
    this.recentFailures.set(name, failures);
    if (failures > 1) await new Promise((resolve) => setTimeout(resolve, FAILURE_DELAY_MS));
  }
}
