/**
 * LDAP search filters and DNs built from what users type. Every value that goes into a filter is
 * escaped as RFC 4515 says, so a username like `*)(uid=*` matches nothing instead of everything.
 */

/** A value for an equality or substring assertion in a filter (RFC 4515 section 3). */
export function escapeFilterValue(value: string): string {
  let escaped = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    // NUL, '(', ')', '*', '\' must be escaped; non-ASCII bytes are too, so the filter stays ASCII.
    if (byte === 0x00 || byte === 0x28 || byte === 0x29 || byte === 0x2a || byte === 0x5c || byte > 0x7e || byte < 0x20) {
      escaped += `\\${byte.toString(16).padStart(2, '0')}`;
    } else escaped += String.fromCharCode(byte);
  }
  return escaped;
}

/**
 * An administrator's filter as Harbor takes it: with or without the outer parentheses
 * (`objectClass=person` or `(objectClass=person)`); '' when none is set.
 */
export function wrapFilter(filter: string): string {
  const trimmed = filter.trim();
  if (trimmed === '') return '';
  return trimmed.startsWith('(') ? trimmed : `(${trimmed})`;
}

/** All of the filters that are set, in one. */
export function and(...filters: string[]): string {
  const parts = filters.map(wrapFilter).filter((f) => f !== '');
  if (parts.length === 0) return '(objectClass=*)';
  return parts.length === 1 ? (parts[0] as string) : `(&${parts.join('')})`;
}

export function or(filters: readonly string[]): string {
  return filters.length === 1 ? (filters[0] as string) : `(|${filters.join('')})`;
}

/** `(attribute=value)`, the value escaped. */
export function equals(attribute: string, value: string): string {
  return `(${attribute}=${escapeFilterValue(value)})`;
}

/** An attribute name from the configuration: letters, digits, hyphens, or an OID. */
const ATTRIBUTE = /^([A-Za-z][A-Za-z0-9-]*|[0-9]+(\.[0-9]+)*)$/;

export function isAttributeName(name: string): boolean {
  return ATTRIBUTE.test(name);
}

/**
 * A DN in a form two spellings of one DN share: RDNs split at unescaped commas, spaces around
 * them dropped, lower case (directories compare DNs without case for the usual attributes).
 */
export function normalizeDn(dn: string): string {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < dn.length; i++) {
    const ch = dn[i] as string;
    if (ch === '\\' && i + 1 < dn.length) {
      current += ch + (dn[i + 1] as string);
      i++;
    } else if (ch === ',') {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts
    .map((rdn) =>
      rdn
        .split('=')
        .map((s) => s.trim())
        .join('='),
    )
    .join(',')
    .toLowerCase();
}

/** Whether `dn` is `base` or below it. */
export function isUnder(dn: string, base: string): boolean {
  const d = normalizeDn(dn);
  const b = normalizeDn(base);
  return b === '' || d === b || d.endsWith(`,${b}`);
}

/** The value of a DN's first RDN (`devs` for `cn=devs,ou=groups,dc=example,dc=org`), a group's name when its entry was not read. */
export function firstRdnValue(dn: string): string {
  const match = /^[^=]+=((?:\\.|[^,\\])*)/.exec(dn.trim());
  return (match?.[1] ?? dn).replace(/\\(.)/g, '$1').trim();
}
