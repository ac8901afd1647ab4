import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { and, escapeFilterValue, firstRdnValue, isUnder, normalizeDn, wrapFilter } from './filter.js';

describe('LDAP filters and DNs', () => {
  it('escapes what RFC 4515 says must be escaped, and non-ASCII bytes', () => {
    assert.equal(escapeFilterValue('*)(uid=*'), '\\2a\\29\\28uid=\\2a');
    assert.equal(escapeFilterValue('a\\b\0c'), 'a\\5cb\\00c');
    assert.equal(escapeFilterValue('zoë'), 'zo\\c3\\ab');
    assert.equal(escapeFilterValue('plain.name-1'), 'plain.name-1');
  });

  it("takes an administrator's filter with or without parentheses", () => {
    assert.equal(wrapFilter('objectClass=person'), '(objectClass=person)');
    assert.equal(wrapFilter(' (objectClass=person) '), '(objectClass=person)');
    assert.equal(and('', '(uid=a)'), '(uid=a)');
    assert.equal(and('objectClass=person', '(uid=a)'), '(&(objectClass=person)(uid=a))');
    assert.equal(and(''), '(objectClass=*)');
  });

  it('compares DNs without case or spaces around separators', () => {
    assert.equal(normalizeDn('CN=Devs, OU=Groups ,DC=Example,DC=org'), 'cn=devs,ou=groups,dc=example,dc=org');
    assert.equal(normalizeDn('cn=a\\,b,dc=x'), 'cn=a\\,b,dc=x');
    assert.ok(isUnder('cn=devs,ou=groups,dc=example,dc=org', 'OU=Groups, DC=example,DC=org'));
    assert.ok(!isUnder('cn=devs,ou=xgroups,dc=example,dc=org', 'ou=groups,dc=example,dc=org'));
    assert.equal(firstRdnValue('cn=R\\, and D,ou=groups'), 'R, and D');
  });
});
