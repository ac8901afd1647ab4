import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLicenseExpression, combineLicenses } from './index.js';

describe('SPDX license expressions', () => {
  it('accepts listed licenses, LicenseRefs, exceptions and compound expressions, in canonical spelling', () => {
    const expression = (text: string) => checkLicenseExpression(text)?.expression;
    assert.equal(expression('MIT'), 'MIT');
    assert.equal(expression('apache-2.0'), 'Apache-2.0');
    assert.equal(expression('GPL-2.0+'), 'GPL-2.0+');
    assert.equal(expression('LGPL-2.1+'), 'LGPL-2.1+');
    assert.equal(expression('MPL-1.1+'), 'MPL-1.1+');
    assert.equal(expression('LicenseRef-Acme-1.0'), 'LicenseRef-Acme-1.0');
    assert.equal(expression('DocumentRef-other:LicenseRef-x'), 'DocumentRef-other:LicenseRef-x');
    assert.equal(expression('GPL-2.0-or-later WITH classpath-exception-2.0'), 'GPL-2.0-or-later WITH Classpath-exception-2.0');
    assert.equal(expression('(MIT OR Apache-2.0) AND  BSD-3-Clause'), '(MIT OR Apache-2.0) AND BSD-3-Clause');
    assert.equal(expression('MIT OR (Apache-2.0 AND (ISC OR Zlib))'), 'MIT OR (Apache-2.0 AND (ISC OR Zlib))');
    assert.equal(checkLicenseExpression('MIT')?.singleListedId, true);
    assert.equal(checkLicenseExpression('MIT OR ISC')?.singleListedId, false);
    assert.equal(checkLicenseExpression('LicenseRef-x')?.singleListedId, false);
  });

  it('refuses what package metadata says that is not an SPDX expression', () => {
    for (const text of [
      '',
      'GPL-2+',
      'GPL-2.0++',
      'ASL 2.0',
      'Apache 2.0',
      'BSD',
      'see LICENSE',
      'MIT and ISC',
      'MIT OR',
      'AND MIT',
      '(MIT',
      'MIT)',
      '()',
      'MIT WITH',
      'MIT WITH MIT',
      'LicenseRef-',
      'LicenseRef-a b',
      'MIT, ISC',
      `${'('.repeat(20)}MIT${')'.repeat(20)}`,
      Array.from({ length: 40 }, () => 'MIT').join(' OR '),
      'MIT '.repeat(200),
    ]) {
      assert.equal(checkLicenseExpression(text), undefined, text);
    }
  });

  it('a package’s licenses combine with AND, or not at all when one of them is not valid', () => {
    assert.equal(combineLicenses(undefined), undefined);
    assert.equal(combineLicenses([]), undefined);
    assert.deepEqual(combineLicenses(['MIT']), { expression: 'MIT', singleListedId: true });
    assert.deepEqual(combineLicenses(['MIT', 'mit', 'ISC OR Zlib']), { expression: 'MIT AND (ISC OR Zlib)', singleListedId: false });
    assert.equal(combineLicenses(['MIT', 'GPL-2+']), undefined);
  });
});
