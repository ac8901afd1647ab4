import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it, test } from 'node:test';
import type { Database } from '../../platform/db/index.js';
import { testDialects } from '../../testing/dialects.js';
import type { ImageInventory, LayeredPackage, OperatingSystem, PackageType } from '../inventory/types.js';
import { compareVersions } from '../versions/index.js';
import { FIXTURES } from '../vulndb/fixtures.suite.js';
import { createAdvisorySource, importPaths } from '../vulndb/index.js';
import type { Advisory, AdvisorySource } from './index.js';
import { matchInventory, type SkippedMatch } from './index.js';

const LAYER = 'sha256:' + 'a'.repeat(64);

function pkg(type: PackageType, name: string, version: string, extra: Partial<LayeredPackage> = {}): LayeredPackage {
  return { type, name, version, purl: `pkg:${type}/${name}@${version}`, path: `some/${name}`, layerDigest: LAYER, ...extra };
}

function inventory(packages: LayeredPackage[], os?: OperatingSystem): ImageInventory {
  return { ...(os ? { os } : {}), packages, layers: [{ digest: LAYER, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }] };
}

/** Fixed advisories for the cases no committed record shows (Alpine's "0" fix, Debian's unfixed and unimportant). */
function fixedSource(advisories: Advisory[]): AdvisorySource {
  return {
    advisoriesFor: async (ecosystem, names) =>
      advisories.filter((a) => (a.ecosystem === ecosystem || a.ecosystem.startsWith(`${ecosystem}:`)) && names.includes(a.package)),
  };
}

function advisory(id: string, ecosystem: string, name: string, events: Record<string, string>[], extra: Partial<Advisory> = {}): Advisory {
  return {
    id,
    aliases: [],
    ecosystem,
    package: name,
    affected: { ranges: [{ type: 'ECOSYSTEM', events }] },
    summary: '',
    details: `${id} details`,
    links: [],
    cweIds: [],
    preferredCvss: {},
    severity: 'Unknown',
    modified: 0,
    ...extra,
  };
}

for (const dialect of testDialects()) {
  describe(`matching an inventory against the committed OSV fixtures (${dialect.name})`, () => {
    let database: Database;
    let cleanup: () => Promise<void>;
    let source: AdvisorySource;

    before(async () => {
      ({ database, cleanup } = await dialect.open());
      const summary = await importPaths(database, [FIXTURES], { clock: { now: () => Date.now() } });
      assert.equal(summary.invalid, 0);
      source = createAdvisorySource(database);
    });
    after(() => cleanup());

    it('finds Debian advisories by source package, for every binary package built from it', async () => {
      const debian = { family: 'debian', version: '12.7' };
      const items = await matchInventory(
        inventory(
          [
            pkg('dpkg', 'openssl', '3.0.19-1~deb12u2', { sourceName: 'openssl', path: 'var/lib/dpkg/status' }),
            pkg('dpkg', 'libssl3', '3.0.19-1~deb12u2', { sourceName: 'openssl', path: 'var/lib/dpkg/status' }),
            pkg('dpkg', 'jq', '1.6-2.1+deb12u3', { path: 'var/lib/dpkg/status' }),
          ],
          debian,
        ),
        source,
      );
      const found = items.map((i) => `${i.id} ${i.package} ${i.version} -> ${i.fix_version}`).sort();
      assert.deepEqual(found, [
        'CVE-2026-42767 libssl3 3.0.19-1~deb12u2 -> 3.0.22-1~deb12u1',
        'CVE-2026-42767 openssl 3.0.19-1~deb12u2 -> 3.0.22-1~deb12u1',
        'CVE-2026-7383 libssl3 3.0.19-1~deb12u2 -> 3.0.20-1~deb12u2',
        'CVE-2026-7383 openssl 3.0.19-1~deb12u2 -> 3.0.20-1~deb12u2',
      ]);
      const openssl = items.find((i) => i.id === 'CVE-2026-42767' && i.package === 'openssl');
      assert.deepEqual(openssl?.vendor_attributes, {
        advisory: 'DEBIAN-CVE-2026-42767',
        ecosystem: 'Debian:12',
        purl: 'pkg:dpkg/openssl@3.0.19-1~deb12u2',
        layer: LAYER,
        path: 'var/lib/dpkg/status',
        reason: 'openssl 3.0.19-1~deb12u2 < fixed 3.0.22-1~deb12u1 in Debian:12 (source package openssl)',
      });
      assert.deepEqual(openssl?.links, ['https://security-tracker.debian.org/tracker/CVE-2026-42767']);
    });

    it('matches a binary whose version differs from its source version by the source version', async () => {
      const items = await matchInventory(
        inventory([pkg('dpkg', 'libssl3', '3.0.19-1~deb12u2+b1', { sourceName: 'openssl', sourceVersion: '3.0.19-1~deb12u2' })], {
          family: 'debian',
          version: '12',
        }),
        source,
      );
      const item = items.find((i) => i.id === 'CVE-2026-42767');
      assert.equal(item?.version, '3.0.19-1~deb12u2+b1');
      assert.equal(item?.vendor_attributes?.reason, 'libssl3 3.0.19-1~deb12u2+b1 (source openssl 3.0.19-1~deb12u2) < fixed 3.0.22-1~deb12u1 in Debian:12');
    });

    it('finds nothing for Debian 11 or a fixed version', async () => {
      const openssl = pkg('dpkg', 'openssl', '3.0.19-1~deb12u2');
      assert.deepEqual(await matchInventory(inventory([openssl], { family: 'debian', version: '11' }), source), []);
      assert.deepEqual(await matchInventory(inventory([pkg('dpkg', 'openssl', '3.0.22-1~deb12u2')], { family: 'debian', version: '12' }), source), []);
    });

    it('finds Alpine advisories by origin in the branch of the release', async () => {
      const items = await matchInventory(
        inventory([pkg('apk', 'busybox-extras', '1.30.1-r1', { sourceName: 'busybox', path: 'lib/apk/db/installed' })], { family: 'alpine', version: '3.11.3' }),
        source,
      );
      assert.equal(items.length, 1);
      assert.equal(items[0]?.id, 'CVE-2019-5747');
      assert.equal(items[0]?.fix_version, '1.30.1-r2');
      assert.equal(items[0]?.vendor_attributes?.reason, 'busybox-extras 1.30.1-r1 < fixed 1.30.1-r2 in Alpine:v3.11 (source package busybox)');
      assert.deepEqual(await matchInventory(inventory([pkg('apk', 'busybox', '1.30.1-r1')], { family: 'alpine', version: '3.12.0' }), source), []);
    });

    it('finds language packages with CVSS scores, CWE ids and the GitHub severity', async () => {
      const items = await matchInventory(
        inventory([
          pkg('npm', 'semver', '7.5.1', { path: 'app/node_modules/semver/package.json' }),
          pkg('npm', 'semver', '7.5.2'),
          pkg('npm', 'minimist', '1.2.5'),
          pkg('pypi', 'jinja2', '3.1.2'),
          pkg('jar', 'org.apache.commons:commons-text', '1.9'),
          pkg('nuget', 'Microsoft.ChakraCore', '1.11.12'),
        ]),
        source,
      );
      assert.deepEqual(
        items.map((i) => `${i.severity} ${i.id} ${i.package} ${i.version} -> ${i.fix_version}`),
        [
          'Critical CVE-2021-44906 minimist 1.2.5 -> 1.2.6',
          'Critical CVE-2022-42889 org.apache.commons:commons-text 1.9 -> 1.10.0',
          'High CVE-2019-1298 Microsoft.ChakraCore 1.11.12 -> 1.11.13',
          'Medium CVE-2022-25883 semver 7.5.1 -> 7.5.2',
          'Medium CVE-2024-22195 jinja2 3.1.2 -> 3.1.3',
        ],
      );
      const semver = items.find((i) => i.package === 'semver');
      assert.deepEqual(semver?.preferred_cvss, { score_v3: 5.3, vector_v3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L' });
      assert.deepEqual(semver?.cwe_ids, ['CWE-1333']);
      assert.equal(semver?.vendor_attributes?.reason, 'semver 7.5.1 < fixed 7.5.2 in npm');
      assert.equal(semver?.vendor_attributes?.path, 'app/node_modules/semver/package.json');
    });

    it('finds Go modules and the Go toolchain (stdlib) with their v-less versions, unfixed ones with an empty fix', async () => {
      const items = await matchInventory(
        inventory([
          pkg('gobinary', 'stdlib', 'go1.4.2'),
          pkg('gobinary', 'github.com/beego/beego', 'v1.12.10'),
          pkg('gobinary', 'github.com/beego/beego/v2', 'v2.0.4'),
        ]),
        source,
      );
      assert.deepEqual(items.map((i) => `${i.id} ${i.vendor_attributes?.advisory} ${i.package} ${i.version} -> '${i.fix_version}'`).sort(), [
        "CVE-2015-5739 GO-2021-0159 stdlib go1.4.2 -> '1.4.3'",
        "CVE-2021-30080 GO-2022-0572 github.com/beego/beego v1.12.10 -> ''",
        "CVE-2022-31836 GO-2022-0569 github.com/beego/beego v1.12.10 -> '1.12.11'",
      ]);
      const unfixed = items.find((i) => i.vendor_attributes?.advisory === 'GO-2022-0572');
      assert.equal(unfixed?.vendor_attributes?.reason, 'github.com/beego/beego v1.12.10 (compared as 1.12.10) is affected with no fixed version in Go');
    });

    it('skips versions that do not parse, with a reason, and packages with no ecosystem', async () => {
      const skipped: SkippedMatch[] = [];
      const items = await matchInventory(
        inventory([pkg('npm', 'semver', 'not a version'), pkg('gobinary', 'github.com/beego/beego', '(devel)'), pkg('dpkg', 'openssl', '3.0.19-1~deb12u2')], {
          family: 'fedora',
          version: '40',
        }),
        source,
        { onSkipped: (s) => skipped.push(s) },
      );
      assert.deepEqual(items, []);
      assert.deepEqual(
        skipped.map((s) => `${s.package}: ${s.reason.split(':')[0]}`),
        [
          'openssl: no OSV data covers fedora',
          'semver: GHSA-c2qf-rxjj-qqgw not evaluated',
          'github.com/beego/beego: GO-2022-0569 not evaluated',
          'github.com/beego/beego: GO-2022-0572 not evaluated',
        ],
      );
      assert.ok(skipped.filter((s) => s.package === 'semver').every((s) => s.reason.startsWith('GHSA-c2qf-rxjj-qqgw not evaluated')));
    });
  });
}

test('Alpine\'s fixed "0" means never affected; Debian unfixed advisories are reported with an empty fix', async () => {
  const source = fixedSource([
    advisory('ALPINE-CVE-2020-0001', 'Alpine:v3.18', 'musl', [{ introduced: '0' }, { fixed: '0' }]),
    advisory('DEBIAN-CVE-2024-0002', 'Debian:12', 'zlib', [{ introduced: '0' }], { aliases: ['CVE-2024-0002'], ecosystemSpecific: { urgency: 'unimportant' } }),
    advisory('DEBIAN-CVE-2024-0003', 'Debian:12', 'zlib', [{ introduced: '0' }], { ecosystemSpecific: { urgency: 'low' }, severity: 'High' }),
  ]);
  assert.deepEqual(await matchInventory(inventory([pkg('apk', 'musl', '1.2.4-r2')], { family: 'alpine', version: '3.18.4' }), source), []);
  const items = await matchInventory(inventory([pkg('dpkg', 'zlib1g', '1:1.2.13.dfsg-1', { sourceName: 'zlib' })], { family: 'debian', version: '12' }), source);
  assert.deepEqual(
    items.map((i) => [i.id, i.fix_version, i.severity, i.vendor_attributes?.reason]),
    [
      ['DEBIAN-CVE-2024-0003', '', 'High', 'zlib1g 1:1.2.13.dfsg-1 is affected with no fixed version in Debian:12 (source package zlib)'],
      ['CVE-2024-0002', '', 'Negligible', 'zlib1g 1:1.2.13.dfsg-1 is affected with no fixed version in Debian:12 (source package zlib)'],
    ],
  );
});

test('Red Hat advisories of any repository of the release are found by binary or source name', async () => {
  const source = fixedSource([
    advisory('RHSA-2024:0001', 'Red Hat:enterprise_linux:9::appstream', 'openssl-libs', [{ introduced: '0' }, { fixed: '1:3.0.7-25.el9_3' }]),
  ]);
  const items = await matchInventory(
    inventory([pkg('rpm', 'openssl-libs', '1:3.0.7-24.el9', { sourceName: 'openssl' })], { family: 'rhel', version: '9.3' }),
    source,
  );
  assert.equal(items[0]?.fix_version, '1:3.0.7-25.el9_3');
});

test('a withdrawn advisory is never matched', async () => {
  const [sqlite] = testDialects();
  assert.ok(sqlite);
  const { database, cleanup } = await sqlite.open();
  try {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'berth-withdrawn-'));
    const body = {
      id: 'GHSA-wwww-wwww-wwww',
      modified: '2025-01-01T00:00:00Z',
      affected: [{ package: { ecosystem: 'npm', name: 'semver' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] }],
    };
    writeFileSync(join(dir, 'w.json'), JSON.stringify({ ...body, withdrawn: '2025-01-01T00:00:00Z' }));
    await importPaths(database, [dir], { clock: { now: () => Date.now() } });
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(await matchInventory(inventory([pkg('npm', 'semver', '7.0.0')]), createAdvisorySource(database)), []);
  } finally {
    await cleanup();
  }
});

// The machine's own dpkg database against the records derived from bookworm-security changelogs.
const DPKG_QUERY = '/usr/bin/dpkg-query';
if (!existsSync(DPKG_QUERY) || !existsSync('/etc/debian_version') || !/^12\./.test(execFileSync('cat', ['/etc/debian_version']).toString())) {
  test.skip('not a Debian 12 machine: the installed openssl cannot be scanned');
} else {
  test("this machine's openssl is matched as its version says", async () => {
    const line = execFileSync(DPKG_QUERY, ['-W', '-f', '${Package} ${Version} ${source:Package} ${source:Version}\n', 'openssl']).toString().trim();
    const [name, version, sourceName, sourceVersion] = line.split(' ') as [string, string, string, string];
    const [sqlite] = testDialects();
    assert.ok(sqlite);
    const { database, cleanup } = await sqlite.open();
    try {
      await importPaths(database, [FIXTURES], { clock: { now: () => Date.now() } });
      const items = await matchInventory(
        inventory([pkg('dpkg', name, version, { sourceName, sourceVersion, path: 'var/lib/dpkg/status' })], { family: 'debian', version: '12' }),
        createAdvisorySource(database),
      );
      const expected = compareVersions('Debian:12', sourceVersion, '3.0.22-1~deb12u1') < 0;
      assert.equal(
        items.some((i) => i.id === 'CVE-2026-42767'),
        expected,
        `openssl ${sourceVersion}`,
      );
    } finally {
      await cleanup();
    }
  });
}
