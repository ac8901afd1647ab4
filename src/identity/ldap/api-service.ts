import type { Config } from '../../platform/config/index.js';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/index.js';
import { ApiError } from '../../platform/errors/index.js';
import type { Settings } from '../../platform/settings/index.js';
import { describeLdapFailure, LdapError, normalizeUrl, type LdapGroup, type LdapUser } from './directory.js';
import { equals } from './filter.js';
import type { LdapConfInput, LdapFailedImportUserJson, LdapPingResultJson } from './schema.js';
import { onboard, within, withSession } from './service.js';
import { ldapTlsConfig, readLdapSettings, scopeOf, type LdapSettings, type LdapTlsConfig } from './settings.js';

/** An API call waits this many times the LDAP timeout at most. */
const CALL_TIMEOUTS = 4;

export interface LdapServiceDeps {
  config: Config;
  database: Database;
  settings: Settings;
  clock: Clock;
}

/** Runs one LDAP call for the API; what goes wrong is the caller's to fix (400), with the reason. */
async function asked<T>(settings: LdapSettings, call: () => Promise<T>): Promise<T> {
  try {
    return await within(call(), settings.timeoutSeconds * 1000 * CALL_TIMEOUTS, `the LDAP server ${settings.url} did not answer in time`);
  } catch (error) {
    throw new ApiError('BAD_REQUEST', describeLdapFailure(error, settings));
  }
}

function sameUrl(a: string, b: string): boolean {
  try {
    return normalizeUrl(a) === normalizeUrl(b);
  } catch {
    return false;
  }
}

/** What Harbor's /ldap endpoints do, over the stored settings (or, for ping, the ones given). */
export class LdapService {
  private readonly tls: LdapTlsConfig;

  constructor(private readonly deps: LdapServiceDeps) {
    this.tls = ldapTlsConfig(deps.config);
  }

  /**
   * Connects and binds as the search DN, and checks the base DN exists. The stored search
   * password is used when the body leaves it out, but only for the stored server: it is
   * never sent to a server the request names instead.
   */
  async ping(input: LdapConfInput): Promise<LdapPingResultJson> {
    const stored = await readLdapSettings(this.deps.settings);
    const url = input.ldap_url ?? stored.url;
    const givenPassword = input.ldap_search_password ?? '';
    const settings: LdapSettings = {
      ...stored,
      url,
      searchDn: input.ldap_search_dn ?? stored.searchDn,
      searchPassword: givenPassword !== '' ? givenPassword : sameUrl(url, stored.url) ? stored.searchPassword : '',
      baseDn: input.ldap_base_dn ?? stored.baseDn,
      filter: input.ldap_filter ?? stored.filter,
      uidAttribute: input.ldap_uid ?? stored.uidAttribute,
      scope: input.ldap_scope === undefined ? stored.scope : scopeOf(input.ldap_scope),
      timeoutSeconds: input.ldap_connection_timeout ? input.ldap_connection_timeout : stored.timeoutSeconds,
      verifyCert: input.ldap_verify_cert ?? stored.verifyCert,
    };
    if (settings.searchDn !== '' && settings.searchPassword === '') {
      throw new ApiError('BAD_REQUEST', 'no search password: give ldap_search_password (the stored one is used only with the stored ldap_url)');
    }
    await asked(settings, () =>
      withSession(settings, this.tls, async (session) => {
        if (settings.baseDn !== '' && !(await session.exists(settings.baseDn))) throw new LdapError(`the LDAP base DN ${settings.baseDn} does not exist`);
      }),
    );
    const as = settings.searchDn === '' ? 'anonymously' : `as ${settings.searchDn}`;
    return { success: true, message: `connected to ${settings.url} and bound ${as}` };
  }

  async searchUsers(username: string): Promise<LdapUser[]> {
    const settings = await readLdapSettings(this.deps.settings);
    return asked(settings, () => withSession(settings, this.tls, (session) => session.findUsers(settings, username)));
  }

  /** Creates an account for each uid found in the directory; the ones that could not be are answered with why. */
  async importUsers(uids: readonly string[]): Promise<LdapFailedImportUserJson[]> {
    const settings = await readLdapSettings(this.deps.settings);
    const found = await asked(settings, () =>
      withSession(settings, this.tls, async (session) => {
        const results: Array<{ uid: string; users: LdapUser[] }> = [];
        for (const uid of new Set(uids)) results.push({ uid, users: await session.findUsers(settings, uid) });
        return results;
      }),
    );
    const failed: LdapFailedImportUserJson[] = [];
    for (const { uid, users } of found) {
      const user = users[0];
      if (!user) failed.push({ uid, error: 'not found in LDAP' });
      else if (users.length > 1) failed.push({ uid, error: `more than one LDAP entry has ${settings.uidAttribute}=${uid}` });
      else {
        const { created } = await this.deps.database.db.transaction().execute((trx) => onboard(trx, user, this.deps.clock.now()));
        if (!created) failed.push({ uid, error: 'user already exists' });
      }
    }
    return failed;
  }

  /** Groups under ldap_group_base_dn by name, or the group at a DN. */
  async searchGroups(name: string, dn: string): Promise<LdapGroup[]> {
    const settings = await readLdapSettings(this.deps.settings);
    return asked(settings, () =>
      withSession(settings, this.tls, async (session) => {
        if (dn !== '') {
          const group = await session.findGroupByDn(settings, dn);
          return group ? [group] : [];
        }
        return session.findGroups(settings, equals(settings.groupNameAttribute, name));
      }),
    );
  }

  /**
   * The group at `dn` when the directory has one there, for /usergroups (Harbor checks an LDAP
   * group's DN before creating it); an unreachable directory is a 400 with the reason.
   */
  async groupAt(dn: string): Promise<LdapGroup | undefined> {
    return (await this.searchGroups('', dn))[0];
  }
}

/** For /usergroups: whether an LDAP group exists at `dn` (400 ApiError when the directory cannot be asked). */
export function ldapGroupExists(deps: LdapServiceDeps): (dn: string) => Promise<boolean> {
  const service = new LdapService(deps);
  return async (dn) => (await service.groupAt(dn)) !== undefined;
}
