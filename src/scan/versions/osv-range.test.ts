import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateAffected, InvalidVersionError, UnknownEcosystemError, type OsvAffected, type OsvEvent } from './index.js';

function ecosystemRange(...events: OsvEvent[]): OsvAffected {
  return { ranges: [{ type: 'ECOSYSTEM', events }] };
}

/** The versions of `candidates` the entry covers. */
function covered(ecosystem: string, affected: OsvAffected, candidates: string[]): string[] {
  return candidates.filter((version) => evaluateAffected(ecosystem, version, affected).affected);
}

describe('OSV range evaluation', () => {
  it('covers from introduced: "0" up to, not including, the fixed version, and names the fix', () => {
    // DSA-3029-1 (nginx in Debian 7), as in the OSV schema's own example.
    const dsa = ecosystemRange({ introduced: '0' }, { fixed: '1.2.1-2.2+wheezy3' });
    assert.deepEqual(evaluateAffected('Debian:7', '1.2.1-2.2+wheezy2', dsa), { affected: true, fixed: '1.2.1-2.2+wheezy3', skipped: [] });
    assert.deepEqual(covered('Debian:7', dsa, ['0.7.67-3', '1.2.1-2.2', '1.2.1-2.2+wheezy3', '1.2.1-2.2+wheezy4', '1:0.1']), ['0.7.67-3', '1.2.1-2.2']);
  });

  it('includes last_affected itself and nothing after it', () => {
    const entry = ecosystemRange({ introduced: '1.0.0' }, { last_affected: '1.2.0' });
    assert.deepEqual(covered('npm', entry, ['0.9.9', '1.0.0-rc.1', '1.0.0', '1.2.0', '1.2.1-beta', '1.2.1']), ['1.0.0', '1.2.0']);
    assert.deepEqual(evaluateAffected('npm', '1.1.0', entry), { affected: true, skipped: [] });
  });

  it('covers nothing at or above a limit', () => {
    const entry = ecosystemRange({ introduced: '0' }, { limit: '2.0' });
    assert.deepEqual(covered('PyPI', entry, ['0.1', '1.9.post1', '2.0rc1', '2.0', '2.1']), ['0.1', '1.9.post1', '2.0rc1']);
    const unlimited = ecosystemRange({ introduced: '1.5' }, { limit: '*' });
    assert.deepEqual(covered('PyPI', unlimited, ['1.4', '1.5', '99']), ['1.5', '99']);
  });

  it('evaluates several introduced/fixed pairs whatever order the events come in', () => {
    const pairs: OsvEvent[] = [{ introduced: '1.0' }, { fixed: '1.2' }, { introduced: '2.0' }, { fixed: '2.3' }];
    const candidates = ['0.9', '1.0', '1.1', '1.2', '1.9', '2.0', '2.2.9', '2.3', '3.0'];
    for (const events of [pairs, [...pairs].reverse(), [pairs[2], pairs[1], pairs[3], pairs[0]] as OsvEvent[]]) {
      assert.deepEqual(covered('Maven', ecosystemRange(...events), candidates), ['1.0', '1.1', '2.0', '2.2.9']);
    }
    assert.equal(evaluateAffected('Maven', '2.1', ecosystemRange(...pairs)).fixed, '2.3');
  });

  it('treats Alpine\'s "introduced: 0, fixed: 0" (never affected) as covering nothing', () => {
    assert.deepEqual(covered('Alpine:v3.19', ecosystemRange({ introduced: '0' }, { fixed: '0' }), ['0', '1.0-r0', '9.9-r9']), []);
  });

  it('orders an ECOSYSTEM range by the ecosystem and a SEMVER range by SemVer', () => {
    const go: OsvAffected = { ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.17.0' }] }] };
    assert.deepEqual(covered('Go', go, ['v0.0.0-20220101000000-abcdef012345', 'v0.16.9', 'v0.17.0', 'v0.17.0+incompatible', 'v1.0.0']), [
      'v0.0.0-20220101000000-abcdef012345',
      'v0.16.9',
    ]);
    // rpm order: ~ before the release, a higher epoch above everything.
    const rpm = ecosystemRange({ introduced: '0' }, { fixed: '1:3.0.7-25.el9_3' });
    assert.deepEqual(covered('Red Hat:enterprise_linux:9::baseos', rpm, ['3.0.7-27.el9', '1:3.0.7-25.el9', '1:3.0.7-25.el9_3', '2:1.0-1']), [
      '3.0.7-27.el9',
      '1:3.0.7-25.el9',
    ]);
  });

  it("also covers the versions listed in versions[], compared in the ecosystem's order", () => {
    const entry: OsvAffected = { ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.0' }, { fixed: '2.1' }] }], versions: ['1.0', '1.5'] };
    assert.deepEqual(covered('Maven', entry, ['1.0.0', '1.4', '1.5', '2.0.1', '2.1']), ['1.0.0', '1.5', '2.0.1']);
  });

  it('refuses an installed version that does not parse, and an unknown ecosystem', () => {
    const entry = ecosystemRange({ introduced: '0' }, { fixed: '1.0' });
    assert.throws(() => evaluateAffected('Debian:12', 'not-a-version', entry), InvalidVersionError);
    assert.throws(() => evaluateAffected('npm', 'latest', entry), InvalidVersionError);
    assert.throws(() => evaluateAffected('Hackage', '1.0', entry), UnknownEcosystemError);
  });

  it('skips, and says why, a range whose event does not parse or that names commits', () => {
    const entry: OsvAffected = {
      ranges: [
        { type: 'GIT', repo: 'https://github.com/example/project', events: [{ introduced: '0' }, { fixed: '6f1c3a9' }] },
        { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: 'latest' }] },
        { type: 'ECOSYSTEM', events: [{ introduced: '1.0.0' }, { fixed: '1.4.2' }] },
      ],
    };
    const verdict = evaluateAffected('npm', '1.3.0', entry);
    assert.equal(verdict.affected, true);
    assert.equal(verdict.fixed, '1.4.2');
    assert.deepEqual(
      verdict.skipped.map((s) => s.range),
      [0, 1],
    );
    assert.match(verdict.skipped[1]?.reason ?? '', /'latest' is not a SemVer version/);
    assert.deepEqual(evaluateAffected('npm', '2.0.0', entry), { affected: false, skipped: verdict.skipped });
  });
});
