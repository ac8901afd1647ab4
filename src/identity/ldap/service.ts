import { createHash } from 'node:crypto';
import {
  createUser,
  ensureGroups,
  findUserByName,
  GROUP_TYPES,
  setUserGroups,
  UNMATCHABLE_HASH,
  userGroupIds,
  type DirectoryVerdict,
  type PasswordDirectory,
} from '../../auth/index.js';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor, User } from '../../platform/db/index.js';
import { TtlCache } from '../../platform/lib/index.js';
import type { Settings } from '../../platform/settings/index.js';
import { bindAs, describeLdapFailure, LdapError, LdapSession, type LdapGroup, type LdapUser } from './directory.js';
import { isUnder, normalizeDn } from './filter.js';
import { readLdapSettings, type LdapSettings, type LdapTlsConfig } from './settings.js';

/** The local account whose password always works, whatever the mode (Harbor's user 1). */
export const LOCAL_ADMIN = 'admin';

/**
 * How long a directory's yes is used again for the same name and password. A docker push asks
 * the token service several times in a few seconds; a disabled account is refused after this.
 */
export const LDAP_VERDICT_CACHE_MS = 5_000;

/** A sign-in waits this many times the LDAP timeout at most, whatever the server does. */
const SIGN_IN_TIMEOUTS = 4;

export interface LdapDeps {
  database: Database;
  settings: Settings;
  clock: Clock;
  tls: LdapTlsConfig;
  /** Where the reasons a directory could not be asked go (the user is told less). */
  log?: { warn(details: object, message: string): void };
  /** Group memberships changed at a sign-in: cached project roles must go. */
  membershipsChanged: () => void;
}

/** Runs `work` with a session bound as the search DN, closed afterwards. */
export async function withSession<T>(settings: LdapSettings, tls: LdapTlsConfig, work: (session: LdapSession) => Promise<T>): Promise<T> {
  const session = await LdapSession.open(settings, tls);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}

/** Rejects when `promise` takes longer than `ms`: a directory that stops answering mid-way does not hold a sign-in. */
export async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new LdapError(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the user is in the admin group (ldap_group_admin_dn), directly or through nesting. */
function inAdminGroup(settings: LdapSettings, groups: readonly LdapGroup[]): boolean {
  if (settings.groupAdminDn === '') return false;
  const admin = normalizeDn(settings.groupAdminDn);
  return groups.some((g) => normalizeDn(g.dn) === admin);
}

/**
 * The account of a directory user, created at the first sign-in or import. Its local password
 * is one no password matches: while LDAP decides, only the directory's password opens it.
 */
export async function onboard(db: Executor, user: LdapUser, now: number): Promise<{ user: User; created: boolean }> {
  const existing = await findUserByName(db, user.username);
  if (existing) return { user: existing, created: false };
  const created = await createUser(db, {
    username: user.username,
    passwordHash: UNMATCHABLE_HASH,
    sysadmin: false,
    realname: user.realname.slice(0, 255),
    email: user.email === '' ? null : user.email.slice(0, 255),
    comment: 'from LDAP',
    now,
  });
  return { user: created, created: true };
}

/**
 * Sign-in by LDAP in `ldap_auth` mode: the user's entry is searched as the search DN, the
 * password checked by binding as the entry, the account created at the first sign-in, and the
 * user's groups (nested ones too) recorded at each, so a group change counts from the next.
 */
export class LdapAuthentication implements PasswordDirectory {
  private readonly verdicts: TtlCache<number>;

  constructor(private readonly deps: LdapDeps) {
    this.verdicts = new TtlCache<number>(LDAP_VERDICT_CACHE_MS, 10_000, () => deps.clock.now());
  }

  async verify(name: string, secret: string): Promise<DirectoryVerdict | undefined> {
    const { auth_mode } = await this.deps.settings.pick(['auth_mode']);
    if (auth_mode !== 'ldap_auth' || name === LOCAL_ADMIN) return undefined;
    const key = createHash('sha256').update(`${name}\0${secret}`).digest('base64');
    const cached = this.verdicts.get(key);
    if (cached !== undefined) return { ok: true, userId: cached };
    const settings = await readLdapSettings(this.deps.settings);
    let verdict: DirectoryVerdict;
    try {
      verdict = await within(
        this.signIn(settings, name, secret),
        settings.timeoutSeconds * 1000 * SIGN_IN_TIMEOUTS,
        `the LDAP server ${settings.url} did not answer in time`,
      );
    } catch (error) {
      // The details are the administrator's (the log); the user learns the directory is the trouble.
      this.deps.log?.warn({ err: error, username: name }, `LDAP sign-in failed: ${describeLdapFailure(error, settings)}`);
      return { ok: false, reason: 'the LDAP server could not be asked; try again later or ask your administrator' };
    }
    if (verdict.ok) this.verdicts.set(key, verdict.userId);
    return verdict;
  }

  private async signIn(settings: LdapSettings, name: string, password: string): Promise<DirectoryVerdict> {
    const { tls } = this.deps;
    return withSession(settings, tls, async (session) => {
      const found = await session.findUsers(settings, name);
      if (found.length === 0) return { ok: false, reason: 'invalid username or password', unknown: true };
      if (found.length > 1) return { ok: false, reason: `more than one LDAP entry has ${settings.uidAttribute}=${name}; ask your administrator` };
      const user = found[0] as LdapUser;
      const bound = await bindAs(settings, tls, user.dn, password);
      if (bound === 'disabled' || (bound === 'refused' && user.locked)) return { ok: false, reason: 'the LDAP account is disabled or locked' };
      if (bound === 'refused') return { ok: false, reason: 'invalid username or password' };
      const groups = await session.groupsOf(settings, user);
      // Groups outside ldap_group_base_dn are not recorded; the admin group counts wherever it is.
      const recorded = groups.filter((g) => settings.groupBaseDn === '' || isUnder(g.dn, settings.groupBaseDn));
      const admin = inAdminGroup(settings, groups);
      // Two first sign-ins of one user at once meet at the unique name: the second finds the account.
      const userId = await this.record(user, recorded, admin).catch(() => this.record(user, recorded, admin));
      return { ok: true, userId };
    });
  }

  /** Creates the account at the first sign-in and records the groups; one transaction. */
  private async record(ldapUser: LdapUser, groups: readonly LdapGroup[], groupAdmin: boolean): Promise<number> {
    const now = this.deps.clock.now();
    const { changed, userId } = await this.deps.database.db.transaction().execute(async (trx) => {
      const { user } = await onboard(trx, ldapUser, now);
      const before = new Set(await userGroupIds(trx, user.id));
      const ids = await ensureGroups(
        trx,
        groups.map((g) => ({ type: GROUP_TYPES.ldap, name: g.name, dn: g.dn })),
        now,
      );
      const same = ids.length === before.size && ids.every((id) => before.has(id)) && (user.group_admin === 1) === groupAdmin;
      if (!same) await setUserGroups(trx, user.id, ids, groupAdmin);
      return { changed: !same, userId: user.id };
    });
    if (changed) this.deps.membershipsChanged();
    return userId;
  }
}
