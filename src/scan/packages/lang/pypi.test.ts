import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, test } from 'node:test';
import { ids, runAnalyzer } from './fixtures/analyze.js';
import { normalizePypiName, pypiAnalyzer } from './pypi.js';

// Debian's python3 packages install wheels (dist-info) and setuptools builds (egg-info) here;
// CI installs python3-distro so at least one is present.
const SITE = '/usr/lib/python3/dist-packages';

/** `<name>-<version>.dist-info` / `<name>-<version>[-pyX.Y].egg-info`: the installer's own record of what the metadata says. */
function fromDirectoryName(dir: string): { name: string; version: string } | undefined {
  const stem = dir.replace(/\.(dist|egg)-info$/, '').replace(/-py\d+\.\d+$/, '');
  const dash = stem.indexOf('-');
  return dash > 0 ? { name: normalizePypiName(stem.slice(0, dash)), version: stem.slice(dash + 1) } : undefined;
}

// Debian also names some egg-info directories without the version (`cryptography.egg-info`): nothing to compare with.
const installed = existsSync(SITE)
  ? readdirSync(SITE).filter((d) => (d.endsWith('.dist-info') || d.endsWith('.egg-info')) && fromDirectoryName(d) !== undefined)
  : [];

if (installed.length === 0 && process.env.CI !== 'true') {
  test.skip(`no installed Python distributions in ${SITE} (apt-get install python3-distro)`);
} else {
  describe('PyPI analyzer on the machine’s installed distributions', () => {
    it(`reads every dist-info METADATA and egg-info PKG-INFO in ${SITE} as the directory names them`, () => {
      assert.ok(installed.length > 0, `CI must have installed Python distributions in ${SITE}`);
      for (const dir of installed) {
        // A single-file egg-info is the metadata itself.
        const file = statSync(join(SITE, dir)).isFile() ? join(SITE, dir) : join(SITE, dir, dir.endsWith('.dist-info') ? 'METADATA' : 'PKG-INFO');
        if (!existsSync(file)) continue;
        const found = runAnalyzer(pypiAnalyzer, file.slice(1), readFileSync(file));
        const expected = fromDirectoryName(dir) as { name: string; version: string };
        assert.deepEqual(ids(found), [`${expected.name}@${expected.version}`], dir);
        assert.equal(found !== 'not wanted' && found[0]?.purl, `pkg:pypi/${expected.name}@${expected.version}`, dir);
      }
    });
  });
}

describe('PyPI analyzer', () => {
  it('normalises names per PEP 503', () => {
    assert.equal(normalizePypiName('Foo.Bar__baz--Qux'), 'foo-bar-baz-qux');
    assert.equal(normalizePypiName('PyYAML'), 'pyyaml');
    assert.equal(normalizePypiName('zope.interface'), 'zope-interface');
  });

  it('reads the headers only, folded lines and licence classifiers included', () => {
    const metadata = [
      'Metadata-Version: 2.1',
      'Name: Typing_Extensions',
      'Version: 4.9.0',
      'Summary: Backported and Experimental Type Hints',
      'License: UNKNOWN',
      'Classifier: License :: OSI Approved :: Python Software Foundation License',
      'Classifier: Programming Language :: Python :: 3',
      'Description-Content-Type: text/markdown',
      '',
      'Name: not-a-header',
      'Version: 0.0.0',
    ].join('\r\n');
    const found = runAnalyzer(pypiAnalyzer, 'usr/local/lib/python3.12/site-packages/typing_extensions-4.9.0.dist-info/METADATA', Buffer.from(metadata));
    assert.deepEqual(found, [
      {
        type: 'pypi',
        name: 'typing-extensions',
        version: '4.9.0',
        purl: 'pkg:pypi/typing-extensions@4.9.0',
        path: 'usr/local/lib/python3.12/site-packages/typing_extensions-4.9.0.dist-info/METADATA',
        licenses: ['Python Software Foundation License'],
      },
    ]);
  });

  it('wants the metadata files of wheels, eggs and egg-info files, nothing else', () => {
    const wanted = (path: string) => pypiAnalyzer.wants(path, 100, 0o644);
    assert.ok(wanted('usr/lib/python3/dist-packages/six-1.16.0.egg-info'));
    assert.ok(wanted('opt/venv/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA'));
    assert.ok(wanted('usr/lib/python3/dist-packages/PyJWT-2.6.0.egg-info/PKG-INFO'));
    assert.ok(wanted('opt/app/foo-1.0-py3.11.egg/EGG-INFO/PKG-INFO'));
    assert.ok(!wanted('opt/venv/lib/python3.11/site-packages/requests-2.31.0.dist-info/RECORD'));
    assert.ok(!wanted('app/requirements.txt'));
  });

  it('returns nothing for metadata without a name or version', () => {
    assert.deepEqual(runAnalyzer(pypiAnalyzer, 'x-1.dist-info/METADATA', Buffer.from('Metadata-Version: 2.1\nName: x\n')), []);
    assert.deepEqual(runAnalyzer(pypiAnalyzer, 'x-1.dist-info/METADATA', Buffer.from('\u0000\u0001garbage')), []);
  });
});
