import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ancestorsOf, cleanLayerPath, whiteoutOf } from './paths.js';

describe('layer paths', () => {
  it('cleans tar names as path.Clean does, without the leading slash', () => {
    const cases: [string, string | undefined][] = [
      ['./etc/os-release', 'etc/os-release'],
      ['/var/lib/dpkg/status', 'var/lib/dpkg/status'],
      ['var//lib/./dpkg/../dpkg/status', 'var/lib/dpkg/status'],
      ['var/lib/dpkg/', 'var/lib/dpkg'],
      ['./', undefined],
      ['../etc/passwd', undefined],
      ['a/../../etc', undefined],
    ];
    for (const [name, expected] of cases) assert.equal(cleanLayerPath(name), expected, name);
  });

  it('reads whiteouts and opaque markers, and refuses a bare .wh.', () => {
    assert.deepEqual(whiteoutOf('var/lib/dpkg/.wh.status'), { kind: 'whiteout', target: 'var/lib/dpkg/status' });
    assert.deepEqual(whiteoutOf('.wh.etc'), { kind: 'whiteout', target: 'etc' });
    assert.deepEqual(whiteoutOf('var/lib/dpkg/.wh..wh..opq'), { kind: 'opaque', dir: 'var/lib/dpkg' });
    assert.deepEqual(whiteoutOf('.wh..wh..opq'), { kind: 'opaque', dir: '' });
    assert.deepEqual(whiteoutOf('etc/.wh.'), { kind: 'invalid' });
    assert.equal(whiteoutOf('etc/x.wh.y'), undefined);
    assert.deepEqual(ancestorsOf('a/b/c'), ['a', 'a/b']);
  });
});
