import type * as Ldapts from 'ldapts';
import type { Client, Entry } from 'ldapts';
import { and, equals, firstRdnValue, isAttributeName, normalizeDn, or } from './filter.js';
import type { LdapConnectionSettings, LdapSettings, LdapTlsConfig } from './settings.js';

/** A failure to show the administrator or the user as it is: unreachable server, bad search credentials, bad settings. */
export class LdapError extends Error {}

/** A user as the directory describes it. */
export interface LdapUser {
  dn: string;
  username: string;
  email: string;
  realname: string;
  /** Values of the membership attribute (AD's and OpenLDAP's memberOf): DNs of the user's direct groups. */
  memberOf: string[];
  /** ppolicy's pwdAccountLockedTime (OpenLDAP) or AD's ACCOUNTDISABLE flag is set. */
  locked: boolean;
}

export interface LdapGroup {
  dn: string;
  name: string;
}

/** Entries one search may return: bounds memory and time whatever the directory holds. */
const MAX_ENTRIES = 1000;
/** How deep groups inside groups are followed when the server cannot (OpenLDAP); AD answers in one search. */
export const MAX_GROUP_NESTING = 10;
/** Groups one user may be found in: a cycle or a huge directory stops here. */
const MAX_GROUPS = 1000;
/** Group DNs put into one `(|(member=…)…)` filter. */
const FILTER_BATCH = 50;
/** AD's LDAP_MATCHING_RULE_IN_CHAIN: `member:1.2.840.113556.1.4.1941:=dn` matches groups holding dn at any depth. */
const IN_CHAIN = '1.2.840.113556.1.4.1941';
/** rootDSE supportedCapabilities of Active Directory (LDAP_CAP_ACTIVE_DIRECTORY_OID). */
const AD_CAPABILITY = '1.2.840.113556.1.4.800';
/** AD's userAccountControl ACCOUNTDISABLE bit. */
const AD_ACCOUNT_DISABLE = 0x2;

/** ldapts once an LDAP operation has loaded it: most installations never use LDAP, so the server does not load it at start. */
let ldapts: typeof Ldapts | undefined;

async function loadLdapts(): Promise<typeof Ldapts> {
  ldapts ??= await import('ldapts');
  return ldapts;
}

/** The attributes of an entry, looked up without case (servers answer in their own spelling). */
function values(entry: Entry, attribute: string): string[] {
  const wanted = attribute.toLowerCase();
  for (const [key, value] of Object.entries(entry)) {
    if (key.toLowerCase() !== wanted || key === 'dn') continue;
    const list = Array.isArray(value) ? value : [value];
    return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
  }
  return [];
}

const first = (entry: Entry, attribute: string): string => values(entry, attribute)[0] ?? '';

/** The message a failed LDAP call gives the administrator. */
export function describeLdapFailure(error: unknown, settings: LdapConnectionSettings): string {
  if (error instanceof LdapError) return error.message;
  // Until ldapts is loaded no error can be one of its own.
  if (ldapts && error instanceof ldapts.InvalidCredentialsError)
    return `the LDAP server refused the search DN's credentials (${settings.searchDn || 'anonymous bind'})`;
  if (ldapts && error instanceof ldapts.ResultCodeError) return `the LDAP server answered: ${error.message.trim() || error.name} (code ${error.code})`;
  const text = error instanceof Error ? error.message : String(error);
  if (/timeout|timed out/i.test(text)) return `the LDAP server ${settings.url} did not answer within ${settings.timeoutSeconds} s`;
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ECONNRESET/.test(text)) return `cannot reach the LDAP server ${settings.url}: ${text}`;
  if (/certificate|self[- ]signed|CERT_|SSL|TLS/i.test(text)) return `TLS with the LDAP server ${settings.url} failed: ${text}`;
  return `LDAP request to ${settings.url} failed: ${text}`;
}

function checkUrl(url: string): void {
  if (url === '') throw new LdapError('ldap_url is not set');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LdapError(`ldap_url ${url} is not a URL`);
  }
  if (parsed.protocol !== 'ldap:' && parsed.protocol !== 'ldaps:') throw new LdapError(`ldap_url must start with ldap:// or ldaps://, not ${parsed.protocol}//`);
}

/** An LDAP URL as ldapts takes it: scheme, host and port only (Harbor accepts `host:389` without a scheme). */
export function normalizeUrl(url: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(url) ? url : `ldap://${url}`;
  checkUrl(withScheme);
  const parsed = new URL(withScheme);
  return `${parsed.protocol}//${parsed.host}`;
}

/**
 * One conversation with the directory: connected (with TLS as configured), bound as the search
 * DN, every operation bounded by the timeout. Close it when done.
 */
export class LdapSession {
  private constructor(
    private readonly client: Client,
    private readonly settings: LdapConnectionSettings,
  ) {}

  /** A client connected as the settings say, not yet bound. */
  static async connect(settings: LdapConnectionSettings, tls: LdapTlsConfig): Promise<Client> {
    const url = normalizeUrl(settings.url);
    const timeout = settings.timeoutSeconds * 1000;
    const host = new URL(url).hostname;
    const tlsOptions = {
      rejectUnauthorized: settings.verifyCert,
      ...(tls.ca ? { ca: tls.ca } : {}),
      // A certificate names the host the URL names, not its address.
      ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }),
    };
    const ldaps = url.startsWith('ldaps:');
    const { Client } = await loadLdapts();
    // ldapts speaks TLS from the start whenever it is given TLS options: ldap:// gets them only through StartTLS.
    const client = new Client({ url, timeout, connectTimeout: timeout, ...(ldaps ? { tlsOptions } : {}), strictDN: false });
    if (tls.startTls && !ldaps) {
      try {
        await client.startTLS(tlsOptions);
      } catch (error) {
        await client.unbind().catch(() => undefined);
        throw error;
      }
    }
    return client;
  }

  /** Connected and bound as the search DN (anonymously when none is set). */
  static async open(settings: LdapConnectionSettings, tls: LdapTlsConfig): Promise<LdapSession> {
    const client = await LdapSession.connect(settings, tls);
    try {
      if (settings.searchDn !== '') await client.bind(settings.searchDn, settings.searchPassword);
    } catch (error) {
      await client.unbind().catch(() => undefined);
      throw error;
    }
    return new LdapSession(client, settings);
  }

  async close(): Promise<void> {
    await this.client.unbind().catch(() => undefined);
  }

  /** Whether the entry exists (a base search); a missing entry is false, other failures throw. */
  async exists(dn: string, filter = '(objectClass=*)'): Promise<Entry | undefined> {
    try {
      const { searchEntries } = await this.client.search(dn, { scope: 'base', filter, sizeLimit: 1, timeLimit: this.settings.timeoutSeconds });
      return searchEntries[0];
    } catch (error) {
      if (ldapts && error instanceof ldapts.NoSuchObjectError) return undefined;
      throw error;
    }
  }

  private async search(base: string, scope: 'base' | 'one' | 'sub', filter: string, attributes: string[], sizeLimit = MAX_ENTRIES): Promise<Entry[]> {
    try {
      const { searchEntries } = await this.client.search(base, { scope, filter, attributes, sizeLimit, timeLimit: this.settings.timeoutSeconds });
      return searchEntries;
    } catch (error) {
      if (ldapts && error instanceof ldapts.NoSuchObjectError) throw new LdapError(`the LDAP base DN ${base} does not exist`);
      throw error;
    }
  }

  /** Users whose UID attribute is `username` ('' for all, bounded), under the base DN, matching ldap_filter. */
  async findUsers(settings: LdapSettings, username: string): Promise<LdapUser[]> {
    if (settings.baseDn === '') throw new LdapError('ldap_base_dn is not set');
    if (!isAttributeName(settings.uidAttribute)) throw new LdapError(`ldap_uid ${settings.uidAttribute} is not an attribute name`);
    const uid = username === '' ? `(${settings.uidAttribute}=*)` : equals(settings.uidAttribute, username);
    const attributes = [settings.uidAttribute, 'mail', 'email', 'displayName', 'cn', settings.membershipAttribute, 'pwdAccountLockedTime', 'userAccountControl'];
    const entries = await this.search(settings.baseDn, settings.scope, and(settings.filter, uid), attributes);
    return entries.map((entry) => {
      const control = Number(first(entry, 'userAccountControl'));
      return {
        dn: entry.dn,
        username: first(entry, settings.uidAttribute) || username,
        email: first(entry, 'mail') || first(entry, 'email'),
        realname: first(entry, 'displayName') || first(entry, 'cn') || first(entry, settings.uidAttribute),
        memberOf: values(entry, settings.membershipAttribute),
        locked: values(entry, 'pwdAccountLockedTime').length > 0 || (Number.isInteger(control) && (control & AD_ACCOUNT_DISABLE) !== 0),
      };
    });
  }

  /** Whether the server is Active Directory (which resolves nested groups itself). */
  async isActiveDirectory(): Promise<boolean> {
    // The rootDSE's operational attributes come only when asked for by name.
    const root = await this.client
      .search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['supportedCapabilities'], sizeLimit: 1, timeLimit: this.settings.timeoutSeconds })
      .then((result) => result.searchEntries[0])
      .catch(() => undefined);
    return root ? values(root, 'supportedCapabilities').includes(AD_CAPABILITY) : false;
  }

  /** Groups under ldap_group_base_dn matching the group filter and `extra`. */
  async findGroups(settings: LdapSettings, extra: string): Promise<LdapGroup[]> {
    if (settings.groupBaseDn === '') throw new LdapError('ldap_group_base_dn is not set');
    if (!isAttributeName(settings.groupNameAttribute)) throw new LdapError(`ldap_group_attribute_name ${settings.groupNameAttribute} is not an attribute name`);
    const entries = await this.search(settings.groupBaseDn, settings.groupScope, and(settings.groupFilter, extra), [settings.groupNameAttribute]);
    return entries.map((entry) => ({ dn: entry.dn, name: first(entry, settings.groupNameAttribute) || firstRdnValue(entry.dn) }));
  }

  /** The group at `dn` if it is one (matches the group filter). */
  async findGroupByDn(settings: LdapSettings, dn: string): Promise<LdapGroup | undefined> {
    const entry = await this.exists(dn, and(settings.groupFilter));
    if (!entry) return undefined;
    return { dn: entry.dn, name: first(entry, settings.groupNameAttribute) || firstRdnValue(entry.dn) };
  }

  /**
   * Every group the user is in, directly or through groups inside groups: on AD one search with
   * LDAP_MATCHING_RULE_IN_CHAIN; elsewhere the membership attribute's groups and the groups
   * listing the user as member, then groups listing those, level by level up to
   * {@link MAX_GROUP_NESTING}. Groups are searched under ldap_group_base_dn; the membership
   * attribute may name groups anywhere.
   */
  async groupsOf(settings: LdapSettings, user: LdapUser): Promise<LdapGroup[]> {
    const found = new Map<string, LdapGroup>();
    const add = (group: LdapGroup): boolean => {
      const key = normalizeDn(group.dn);
      if (found.has(key) || found.size >= MAX_GROUPS) return false;
      found.set(key, group);
      return true;
    };
    for (const dn of user.memberOf) add({ dn, name: firstRdnValue(dn) });
    if (settings.groupBaseDn !== '') {
      if (await this.isActiveDirectory()) {
        for (const group of await this.findGroups(settings, `(member:${IN_CHAIN}:=${escapeDnValue(user.dn)})`)) add(group);
      } else {
        let frontier = [user.dn, ...user.memberOf];
        for (let depth = 0; depth < MAX_GROUP_NESTING && frontier.length > 0; depth++) {
          const next: string[] = [];
          for (let i = 0; i < frontier.length; i += FILTER_BATCH) {
            const batch = frontier.slice(i, i + FILTER_BATCH);
            const holders = or(batch.flatMap((dn) => [equals('member', dn), equals('uniqueMember', dn)]));
            for (const group of await this.findGroups(settings, holders)) if (add(group)) next.push(group.dn);
          }
          frontier = next;
        }
      }
    }
    return [...found.values()];
  }
}

/** A DN as an assertion value of a filter. */
function escapeDnValue(dn: string): string {
  return equals('x', dn).slice(3, -1);
}

/** AD's reasons in a refused bind's diagnostic (`data 533`): disabled, locked out, account expired, password expired. */
const AD_DISABLED = /\bdata (533|775|701|532)\b/;

/**
 * Checks the password by binding as the user on a connection of its own (the search session
 * keeps its identity). A refusal is 'refused', or 'disabled' when AD says the account is;
 * an unreachable server throws.
 */
export async function bindAs(settings: LdapConnectionSettings, tls: LdapTlsConfig, dn: string, password: string): Promise<'ok' | 'refused' | 'disabled'> {
  // An empty password is an unauthenticated bind, which directories accept for any DN.
  if (password === '') return 'refused';
  const client = await LdapSession.connect(settings, tls);
  try {
    await client.bind(dn, password);
    return 'ok';
  } catch (error) {
    if (ldapts && error instanceof ldapts.InvalidCredentialsError) return AD_DISABLED.test(error.message) ? 'disabled' : 'refused';
    throw error;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}
