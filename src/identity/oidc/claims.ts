import { compileLinearRegExp } from '../../platform/lib/index.js';
import type { OidcSettings } from './provider.js';

/** Who the provider says signed in, as Berth keeps it. */
export interface ProviderUser {
  issuer: string;
  subject: string;
  /** From `oidc_user_claim` (`name` when unset); undefined when the claim is missing or not a string. */
  username: string | undefined;
  email: string | undefined;
  realname: string | undefined;
  /** The groups claim's names that pass `oidc_group_filter`. */
  groups: string[];
  /** Whether the groups claim named `oidc_admin_group`. */
  admin: boolean;
}

/** More groups than this in one claim are cut: a sign-in records them all in one transaction. */
const MAX_GROUPS = 1000;
const MAX_GROUP_NAME = 255;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** A groups claim is a list of names; some providers send one name as a string. */
function groupNames(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const names = items.filter((item): item is string => typeof item === 'string' && item !== '' && item.length <= MAX_GROUP_NAME);
  return [...new Set(names)].slice(0, MAX_GROUPS);
}

/**
 * The user from the ID token's claims (and the userinfo answer merged over them, as Harbor does).
 * Like Harbor, the admin group is looked for among all the groups, the filter keeps the groups
 * recorded as memberships.
 */
export function providerUser(claims: Record<string, unknown>, settings: OidcSettings): ProviderUser {
  const issuer = text(claims.iss) ?? '';
  const subject = text(claims.sub) ?? '';
  const userClaim = settings.oidc_user_claim.trim() || 'name';
  const all = settings.oidc_groups_claim.trim() === '' ? [] : groupNames(claims[settings.oidc_groups_claim.trim()]);
  const filter = settings.oidc_group_filter === '' ? undefined : compileLinearRegExp(settings.oidc_group_filter);
  // A filter stored before it was checked and found wrong keeps no group rather than every group.
  const groups = filter === undefined ? all : filter instanceof RegExp ? all.filter((name) => filter.test(name)) : [];
  const adminGroup = settings.oidc_admin_group.trim();
  return {
    issuer,
    subject,
    username: text(claims[userClaim]),
    email: text(claims.email),
    realname: text(claims.name),
    groups,
    admin: adminGroup !== '' && all.includes(adminGroup),
  };
}
