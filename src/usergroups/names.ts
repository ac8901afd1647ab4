import { InvalidInputError } from '../platform/errors/index.js';

/** `attr=value` pairs separated by unescaped commas; the value may hold escaped characters. */
const RDN = /^\s*[A-Za-z][A-Za-z0-9-]*(\.[0-9]+)*\s*=\s*((?:[^,\\]|\\.)+)$/;

/** Splits at commas that are not escaped with a backslash. */
function rdns(dn: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i];
    if (c === '\\' && i + 1 < dn.length) {
      current += c + dn[i + 1];
      i++;
    } else if (c === ',') {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/**
 * A DN as given, checked for shape only (whether the directory holds it is the LDAP sign-in's
 * business), and the name a group takes from it when none is given: its first RDN's value
 * (`cn=devs,ou=groups,dc=example,dc=com` is `devs`).
 */
export function parseGroupDn(raw: string): { dn: string; name: string } {
  const dn = raw.trim();
  const parts = rdns(dn);
  const values = parts.map((part) => RDN.exec(part)?.[2]);
  if (dn === '' || values.some((v) => v === undefined)) {
    throw new InvalidInputError('input', `ldap_group_dn "${raw}" is not a distinguished name such as cn=developers,ou=groups,dc=example,dc=com`);
  }
  const first = (values[0] ?? '').trim().replace(/\\(.)/g, '$1');
  return { dn, name: first };
}
