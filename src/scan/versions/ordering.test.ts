import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as pep440 from '@renovatebot/pep440';
import semverPackage from 'semver';
import { compareVersions, InvalidVersionError, MAX_VERSION_LENGTH, parseVersion, UnknownEcosystemError } from './index.js';

/** Each version is strictly older than the next, in both directions of the comparison. */
function assertAscending(ecosystem: string, versions: string[]): void {
  for (let i = 0; i < versions.length; i++) {
    for (let j = i + 1; j < versions.length; j++) {
      const [a, b] = [versions[i] as string, versions[j] as string];
      assert.equal(compareVersions(ecosystem, a, b), -1, `${ecosystem}: ${a} < ${b}`);
      assert.equal(compareVersions(ecosystem, b, a), 1, `${ecosystem}: ${b} > ${a}`);
    }
  }
}

function assertSame(ecosystem: string, a: string, b: string): void {
  assert.equal(compareVersions(ecosystem, a, b), 0, `${ecosystem}: ${a} = ${b}`);
  assert.equal(compareVersions(ecosystem, b, a), 0, `${ecosystem}: ${b} = ${a}`);
}

function assertRefused(ecosystem: string, text: string, reason: RegExp): void {
  assert.throws(
    () => parseVersion(ecosystem, text),
    (error: unknown) => error instanceof InvalidVersionError && error.kind === 'invalid' && reason.test(error.message),
    `${ecosystem} refuses ${JSON.stringify(text)}`,
  );
}

describe('dpkg ordering (Debian, Ubuntu)', () => {
  it('sorts ~ before everything, letters before other characters, and compares digit runs as numbers', () => {
    assertAscending('Debian:12', ['1.0~rc1~a', '1.0~rc1', '1.0', '1.0a', '1.0+b1', '1.0.1', '1.0.10', '1:0.1']);
    assertAscending('Debian:12', ['3.0.19-1~deb12u2', '3.0.19-1', '3.0.19-1+deb12u1', '3.0.22-1~deb12u1', '3.0.22-1~deb12u2']);
  });
  it('treats a missing epoch as 0, a missing revision as 0, and leading zeros as nothing', () => {
    assertSame('Debian:12', '1.0', '0:1.0-0');
    assertSame('Ubuntu:22.04:LTS', '1.01', '1.1');
    assertAscending('Debian:11', ['9.9', '1:0.1', '2:0.0.1']);
  });
  it('refuses what Debian policy does not call a version', () => {
    assertRefused('Debian', 'a1.0', /does not start with a digit/);
    assertRefused('Debian', 'x:1.0', /epoch is not a number/);
    assertRefused('Debian', ':1.0', /epoch before the colon is empty/);
    assertRefused('Debian', '1:', /nothing follows the epoch/);
    assertRefused('Debian', '1.0-', /revision after the last hyphen is empty/);
    assertRefused('Debian', '1.0_1', /character other than/);
    assertRefused('Debian', '99999999999:1.0', /epoch is too big/);
  });
});

describe('apk ordering (Alpine, Wolfi)', () => {
  it('puts _alpha _beta _pre _rc below no suffix and _cvs _svn _git _hg _p above it', () => {
    assertAscending('Alpine:v3.19', [
      '1.2_alpha1',
      '1.2_beta',
      '1.2_pre2',
      '1.2_rc1',
      '1.2',
      '1.2_cvs1',
      '1.2_svn1',
      '1.2_git1',
      '1.2_hg1',
      '1.2_p1',
      '1.2_p2',
      '1.2.1',
    ]);
  });
  it('orders the -r revision numerically and a letter after the digits above none', () => {
    assertAscending('Alpine:v3.18', ['1.0.4-r3', '1.0.4-r4', '1.0.4-r10', '1.0.4a-r0', '1.0.4b-r0', '1.0.5']);
    assertSame('Alpine:v3.18', '1-r1', '1-r01');
    assertSame('Wolfi', '2.1-r0', '2.1');
  });
});

describe('rpm ordering (Red Hat and the rest)', () => {
  it('compares epoch, version and release with ~ before the end and ^ after it', () => {
    assertAscending('Red Hat:enterprise_linux:9::appstream', ['1.0~rc1', '1.0', '1.0^git1', '1.0.1', '1:0.1']);
    assertAscending('Rocky Linux:9', ['3.0.7-24.el9', '3.0.7-25.el9', '3.0.7-25.el9_3', '3.0.7-27.el9']);
  });
  it('puts a number after letters and ignores separators', () => {
    assertAscending('Red Hat', ['2.0.1', '2.0.1a', '2.0.1.1']);
    assertSame('openSUSE:Leap 15.5', '2_0', '2.0');
  });
});

describe('SemVer ordering (npm, crates.io, Go, Hex)', () => {
  it('follows SemVer precedence and ignores build metadata, a Go v prefix and +incompatible', () => {
    assertAscending('npm', ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1']);
    assertSame('Go', 'v2.1.0+incompatible', '2.1.0');
    assertAscending('Go', ['v0.0.0-20200101000000-abcdef123456', 'v0.0.0', 'v0.1.0']);
    assertSame('crates.io', '1.2.3+build.7', '1.2.3+other');
  });
  it('agrees with the semver package on strict versions', () => {
    const versions = ['0.0.1', '0.1.0-rc.1', '0.1.0', '1.0.0-0', '1.0.0-a.1', '1.0.0-a.b', '1.0.0-a-b', '1.0.0', '1.0.1', '1.10.0', '2.0.0-beta+x', '10.0.0'];
    for (const a of versions) {
      for (const b of versions) assert.equal(compareVersions('npm', a, b), semverPackage.compare(a, b), `${a} vs ${b}`);
    }
  });
  it('refuses what does not start with a number', () => {
    assertRefused('npm', 'latest', /does not start with a number/);
    assertRefused('Go', 'vx.1', /does not start with a number/);
    assertRefused('npm', '1.0.0 || 2.0.0', /whitespace/);
  });
});

describe('NuGet ordering', () => {
  it('compares four numbers and pre-releases without regard to case', () => {
    assertAscending('NuGet', ['1.0.0-ALPHA', '1.0.0-beta', '1.0.0', '1.0.0.1', '1.0.1']);
    assertSame('NuGet', '1.0.0-Beta.1', '1.0.0-beta.1');
  });
});

describe('PEP 440 ordering (PyPI)', () => {
  it('orders dev, pre, release, post and local segments', () => {
    assertAscending('PyPI', [
      '1!0.1',
      '1!1.0.dev1',
      '1!1.0a1.dev1',
      '1!1.0a1',
      '1!1.0b2',
      '1!1.0rc1',
      '1!1.0',
      '1!1.0+local.1',
      '1!1.0.post1.dev1',
      '1!1.0.post1',
      '2!0.1',
    ]);
    assertSame('PyPI', '1.0', '1.0.0');
    assertSame('PyPI', '1.0ALPHA1', '1.0a1');
  });
  it('agrees with @renovatebot/pep440 on valid versions', () => {
    const versions = ['0.9', '1.0.dev0', '1.0a0', '1.0b1', '1.0c1', '1.0', '1.0+abc', '1.0+5', '1.0.post1', '1.1', '2!0.1'];
    for (const a of versions) {
      for (const b of versions) assert.equal(compareVersions('PyPI', a, b), Math.sign(pep440.compare(a, b)), `${a} vs ${b}`);
    }
  });
  it('compares release numbers past 2^53 exactly', () => {
    assertAscending('PyPI', ['12345678901234567890', '12345678901234567891']);
  });
  it('sorts a legacy (pre-PEP 440) version before every PEP 440 one', () => {
    assertAscending('PyPI', ['0.9-horsea', '0.0.1']);
  });
});

describe('Maven ordering', () => {
  it('orders qualifiers alpha < beta < milestone < rc = cr < snapshot < release = ga = final < sp', () => {
    assertAscending('Maven', ['1.0-alpha-1', '1.0-beta-1', '1.0-milestone-1', '1.0-rc-1', '1.0-SNAPSHOT', '1.0', '1.0-sp-1', '1.0-xyz', '1.0.1']);
    assertSame('Maven', '1.0-CR1', '1.0-rc1');
    for (const same of ['1', '1.0.0', '1-ga', '1.final', '1-RELEASE']) assertSame('Maven', '1.0', same);
  });
  it('pads the shorter version and reads a1, b1 and m1 as alpha, beta and milestone', () => {
    assertSame('Maven:https://repo.maven.apache.org/maven2', '1a1', '1-alpha-1');
    assertAscending('Maven', ['1.0', '1.0-1', '1.0.1']);
  });
});

describe('RubyGems ordering', () => {
  it('reads letters as a pre-release and drops trailing zeros', () => {
    assertAscending('RubyGems', ['1.0.a', '1.0.b1', '1.0.rc1', '1.0', '1.0.1']);
    assertSame('RubyGems', '1.0.0', '1');
    assertSame('RubyGems', '1.0-beta', '1.0.pre.beta');
  });
  it('refuses what Gem::Version calls malformed', () => {
    assertRefused('RubyGems', '1beta', /not numbers and letters joined by dots/);
    assertRefused('RubyGems', 'v1.0', /not numbers and letters joined by dots/);
  });
});

describe('Packagist ordering', () => {
  it("orders dev < alpha < beta < RC < release < patch as PHP's version_compare", () => {
    assertAscending('Packagist', ['1.0.0-dev', '1.0.0-alpha1', '1.0.0-beta2', '1.0.0-RC1', '1.0.0', '1.0.0-p1', '1.0.1']);
    assertSame('Packagist', 'v2.1.0', '2.1.0');
  });
});

describe('what every ecosystem refuses', () => {
  it('refuses an empty version, one over the length bound, and control characters', () => {
    for (const ecosystem of ['Debian', 'Alpine:v3.19', 'Red Hat', 'npm', 'NuGet', 'PyPI', 'Maven', 'RubyGems', 'Packagist']) {
      assertRefused(ecosystem, '', /empty/);
      assertRefused(ecosystem, `1.${'0'.repeat(MAX_VERSION_LENGTH)}`, /longer than 256/);
      assertRefused(ecosystem, '1.0\n', /control character/);
    }
  });
  it('names the ecosystem for which no ordering is known', () => {
    assert.throws(
      () => compareVersions('Hackage', '1', '2'),
      (error: unknown) => error instanceof UnknownEcosystemError && /Hackage/.test(error.message),
    );
  });
  it('compares the longest pathological versions quickly (no backtracking)', () => {
    const half = MAX_VERSION_LENGTH / 2;
    const shapes = [
      '1.'.repeat(half),
      'a1'.repeat(half),
      '1_p'.repeat(half / 2),
      '0.'.repeat(half),
      '-r'.repeat(half),
      '1~'.repeat(half),
      '1^'.repeat(half),
      '1' + '.0'.repeat(half - 1),
    ];
    const started = performance.now();
    for (const ecosystem of ['Debian', 'Alpine:v3.19', 'Red Hat', 'npm', 'NuGet', 'PyPI', 'Maven', 'RubyGems', 'Packagist']) {
      for (const a of shapes) {
        for (const b of shapes) {
          try {
            compareVersions(ecosystem, a.slice(0, MAX_VERSION_LENGTH), `${b.slice(0, MAX_VERSION_LENGTH - 1)}x`);
          } catch (error) {
            if (!(error instanceof InvalidVersionError)) throw error;
          }
        }
      }
    }
    // About a millisecond of work; the bound only catches exponential or quadratic blow-ups.
    assert.ok(performance.now() - started < 3000, `took ${Math.round(performance.now() - started)} ms`);
  });
});
