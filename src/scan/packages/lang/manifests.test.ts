import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { composerAnalyzer } from './composer.js';
import { dotnetDepsAnalyzer } from './dotnet-deps.js';
import { ids, runAnalyzer } from './fixtures/analyze.js';
import { gemspecAnalyzer } from './gemspec.js';

// Files as `dotnet publish`, Composer 1 and 2, and RubyGems write them (fixtures/).
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (path: string) => readFileSync(join(FIXTURES, path));

describe('.NET deps.json analyzer', () => {
  it('reports the NuGet packages, not the projects', () => {
    const found = runAnalyzer(dotnetDepsAnalyzer, 'app/WebApp.deps.json', fixture('dotnet/WebApp.deps.json'));
    assert.deepEqual(ids(found), ['Newtonsoft.Json@13.0.1', 'Serilog.AspNetCore@8.0.0', 'Serilog@3.1.1']);
    assert.deepEqual(found !== 'not wanted' && found.find((p) => p.name === 'Newtonsoft.Json'), {
      type: 'nuget',
      name: 'Newtonsoft.Json',
      version: '13.0.1',
      purl: 'pkg:nuget/Newtonsoft.Json@13.0.1',
      path: 'app/WebApp.deps.json',
    });
  });

  it('reads a deps.json written with a byte-order mark and refuses malformed ones', () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), fixture('dotnet/WebApp.deps.json')]);
    assert.equal(ids(runAnalyzer(dotnetDepsAnalyzer, 'app/WebApp.deps.json', withBom)).length, 3);
    assert.deepEqual(
      runAnalyzer(
        dotnetDepsAnalyzer,
        'app/x.deps.json',
        Buffer.from('{"libraries":{"A/1.0":{"type":"package"},"/2.0":{"type":"package"},"B":{"type":"package"},"C/1":[]}}'),
      ),
      [{ type: 'nuget', name: 'A', version: '1.0', purl: 'pkg:nuget/A@1.0', path: 'app/x.deps.json' }],
    );
    assert.deepEqual(runAnalyzer(dotnetDepsAnalyzer, 'app/x.deps.json', Buffer.from('{"libraries":')), []);
  });
});

describe('Composer installed.json analyzer', () => {
  it('reads the Composer 2 format', () => {
    const found = runAnalyzer(composerAnalyzer, 'var/www/html/vendor/composer/installed.json', fixture('composer/installed-v2.json'));
    assert.deepEqual(ids(found), ['monolog/monolog@3.5.0', 'psr/log@3.0.0', 'symfony/polyfill-mbstring@v1.28.0']);
    assert.deepEqual(found !== 'not wanted' && found[0], {
      type: 'composer',
      name: 'monolog/monolog',
      version: '3.5.0',
      purl: 'pkg:composer/monolog/monolog@3.5.0',
      path: 'var/www/html/vendor/composer/installed.json',
      licenses: ['MIT'],
    });
  });

  it('reads the Composer 1 format', () => {
    assert.deepEqual(ids(runAnalyzer(composerAnalyzer, 'app/vendor/composer/installed.json', fixture('composer/installed-v1.json'))), [
      'guzzlehttp/guzzle@6.5.5',
      'guzzlehttp/psr7@1.9.0',
    ]);
  });

  it('wants only vendor/composer/installed.json', () => {
    assert.ok(composerAnalyzer.wants('vendor/composer/installed.json', 10, 0o644));
    assert.ok(!composerAnalyzer.wants('app/composer.lock', 10, 0o644));
    assert.ok(!composerAnalyzer.wants('app/installed.json', 10, 0o644));
  });
});

describe('RubyGems gemspec analyzer', () => {
  it('reads the name, version and licences RubyGems wrote', () => {
    const found = runAnalyzer(gemspecAnalyzer, 'usr/local/bundle/specifications/rake-13.0.6.gemspec', fixture('ruby/rake-13.0.6.gemspec'));
    assert.deepEqual(found, [
      {
        type: 'gemspec',
        name: 'rake',
        version: '13.0.6',
        purl: 'pkg:gem/rake@13.0.6',
        path: 'usr/local/bundle/specifications/rake-13.0.6.gemspec',
        licenses: ['MIT'],
      },
    ]);
  });

  it('reads a platform gem and a default gem', () => {
    const platform = 'usr/lib/ruby/gems/3.1.0/specifications/nokogiri-1.15.4-x86_64-linux.gemspec';
    assert.deepEqual(ids(runAnalyzer(gemspecAnalyzer, platform, fixture('ruby/nokogiri-1.15.4-x86_64-linux.gemspec'))), ['nokogiri@1.15.4']);
    const defaultGem = 'usr/local/lib/ruby/gems/3.2.0/specifications/default/rake-13.0.6.gemspec';
    assert.deepEqual(ids(runAnalyzer(gemspecAnalyzer, defaultGem, fixture('ruby/rake-13.0.6.gemspec'))), ['rake@13.0.6']);
  });

  it('ignores gemspecs outside specifications/ and ones whose file name does not match their name', () => {
    assert.equal(runAnalyzer(gemspecAnalyzer, 'app/rake.gemspec', fixture('ruby/rake-13.0.6.gemspec')), 'not wanted');
    assert.deepEqual(runAnalyzer(gemspecAnalyzer, 'gems/specifications/other-1.0.gemspec', fixture('ruby/rake-13.0.6.gemspec')), []);
    assert.deepEqual(runAnalyzer(gemspecAnalyzer, 'gems/specifications/x-1.gemspec', Buffer.from('s.name == "x"\n')), []);
  });
});
