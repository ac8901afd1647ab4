import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { FileAnalyzer, InstalledPackage } from '../../inventory/types.js';
import { apkAnalyzer, dpkgAnalyzer, MalformedPackageDbError, OS_ANALYZERS, osPurl, rpmAnalyzer } from './index.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

function run(analyzer: FileAnalyzer, path: string, content: string | Buffer): InstalledPackage[] {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  assert.ok(analyzer.wants(path, bytes.length, 0o644), `${analyzer.name} wants ${path}`);
  return analyzer.analyze({ path, size: bytes.length, mode: 0o644, content: bytes });
}

const summary = (packages: InstalledPackage[]) => packages.map((p) => `${p.name} ${p.version} ${p.sourceName} ${p.sourceVersion} ${p.arch ?? '-'}`);

describe('dpkg', () => {
  it('keeps installed stanzas only, reads Source with and without a version', () => {
    const status = [
      'Package: adduser\nStatus: install ok installed\nArchitecture: all\nVersion: 3.134\nDescription: add users\n and groups, with a continuation\n .\n Version: 9.9\n',
      'Package: libgcc-s1\nStatus: install ok installed\nArchitecture: amd64\nSource: gcc-12\nVersion: 12.2.0-14\n',
      'Package: bsdutils\r\nStatus: install ok installed\r\nArchitecture: amd64\r\nSource: util-linux (2.38.1-5+b1)\r\nVersion: 1:2.38.1-5+b1\r\n',
      'Package: removed\nStatus: deinstall ok config-files\nVersion: 1.0\n',
      'Package: purged\nStatus: purge ok not-installed\nVersion: 1.0\n',
      'Package: gone\nStatus: install ok not-installed\nVersion: 1.0\n',
      'Package: no-version\nStatus: install ok installed\n',
    ].join('\n');
    assert.deepEqual(summary(run(dpkgAnalyzer, 'var/lib/dpkg/status', status)), [
      'adduser 3.134 adduser 3.134 all',
      'libgcc-s1 12.2.0-14 gcc-12 12.2.0-14 amd64',
      'bsdutils 1:2.38.1-5+b1 util-linux 2.38.1-5+b1 amd64',
    ]);
  });

  it('reads distroless status.d stanza files (no Status) and leaves their md5sums alone', () => {
    const pkgs = run(dpkgAnalyzer, 'var/lib/dpkg/status.d/libc6', 'Package: libc6\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\nSource: glibc\n');
    assert.deepEqual(summary(pkgs), ['libc6 2.36-9+deb12u4 glibc 2.36-9+deb12u4 amd64']);
    assert.equal(pkgs[0]?.purl, 'pkg:deb/libc6@2.36-9%2Bdeb12u4?arch=amd64');
    assert.equal(dpkgAnalyzer.wants('var/lib/dpkg/status.d/libc6.md5sums', 10, 0o644), false);
    assert.equal(dpkgAnalyzer.wants('var/lib/dpkg/status.d/sub/libc6', 10, 0o644), false);
    assert.equal(dpkgAnalyzer.wants('var/lib/dpkg/status-old', 10, 0o644), false);
  });
});

describe('apk', () => {
  it('reads name, version, arch, origin and license; a record without a version is skipped', () => {
    const db =
      'P:busybox\nV:1.36.1-r15\nA:aarch64\nL:GPL-2.0-only\no:busybox\n\nP:ssl_client\nV:1.36.1-r15\nA:aarch64\no:busybox\nF:usr/bin\nR:ssl_client\n\nP:broken\nA:x86_64\n\nP:noorigin\nV:1.0-r0\n';
    const pkgs = run(apkAnalyzer, 'usr/lib/apk/db/installed', db);
    assert.deepEqual(summary(pkgs), [
      'busybox 1.36.1-r15 busybox 1.36.1-r15 aarch64',
      'ssl_client 1.36.1-r15 busybox 1.36.1-r15 aarch64',
      'noorigin 1.0-r0 noorigin 1.0-r0 -',
    ]);
    assert.deepEqual(pkgs[0]?.licenses, ['GPL-2.0-only']);
  });
});

/** One 16-byte index entry: tag, type, offset, count 1. */
function indexEntry(tag: number, type: number, offset: number): Buffer {
  const entry = Buffer.alloc(16);
  entry.writeUInt32BE(tag, 0);
  entry.writeUInt32BE(type, 4);
  entry.writeUInt32BE(offset, 8);
  entry.writeUInt32BE(1, 12);
  return entry;
}

/** An rpm header blob (as rpmdb stores it) of string tags and an optional INT32 epoch. */
function header(strings: Record<number, string>, epoch?: number): Buffer {
  const entries: Buffer[] = [];
  const data: Buffer[] = [];
  let offset = 0;
  if (epoch !== undefined) {
    entries.push(indexEntry(1003, 4, 0));
    const value = Buffer.alloc(4);
    value.writeInt32BE(epoch);
    data.push(value);
    offset = 4;
  }
  for (const [tag, text] of Object.entries(strings)) {
    entries.push(indexEntry(Number(tag), 6, offset));
    const value = Buffer.from(`${text}\0`);
    data.push(value);
    offset += value.length;
  }
  const preamble = Buffer.alloc(8);
  preamble.writeUInt32BE(entries.length, 0);
  preamble.writeUInt32BE(offset, 4);
  return Buffer.concat([preamble, ...entries, ...data]);
}

describe('rpm', () => {
  const expected = ['berth-hello 2:1.2.3-4.el9 berth-hello 2:1.2.3-4.el9 noarch', 'berth-hello-libs 2:1.2.3-4.el9 berth-hello 2:1.2.3-4.el9 noarch'];

  it('reads the SQLite database rpm 4.18 wrote (in WAL mode, as images ship it)', () => {
    const pkgs = run(rpmAnalyzer, 'usr/lib/sysimage/rpm/rpmdb.sqlite', readFileSync(join(FIXTURES, 'rpmdb.sqlite')));
    assert.deepEqual(summary(pkgs).sort(), expected);
    assert.deepEqual(pkgs.find((p) => p.name === 'berth-hello')?.licenses, ['MIT and BSD']);
  });

  it('reads the Berkeley DB hash files that rpm read back through bdb_ro: overflow pages and inline values', () => {
    const pkgs = run(rpmAnalyzer, 'var/lib/rpm/Packages', readFileSync(join(FIXTURES, 'Packages')));
    assert.deepEqual(summary(pkgs).sort(), expected);
    assert.equal(pkgs[0]?.purl, 'pkg:rpm/berth-hello@1.2.3-4.el9?arch=noarch&epoch=2');
    // 64 KiB pages: the smaller header sits inline on its hash page.
    const inline = run(rpmAnalyzer, 'var/lib/rpm/Packages', readFileSync(join(FIXTURES, 'Packages-64k')));
    assert.deepEqual(summary(inline).sort(), expected);
  });

  it('skips gpg-pubkey and headers that do not parse, and reads SOURCERPM without an epoch', () => {
    const db = new Database(readFileSync(join(FIXTURES, 'rpmdb.sqlite')).fill(1, 18, 20));
    const insert = db.prepare('INSERT INTO Packages (hnum, blob) VALUES (?, ?)');
    insert.run(10, header({ 1000: 'gpg-pubkey', 1001: 'fd431d51', 1002: '4ae0493b' }));
    insert.run(11, Buffer.from([0, 0, 0, 9, 0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
    insert.run(12, header({ 1000: 'openssl-libs', 1001: '3.0.7', 1002: '25.el9_3', 1022: 'x86_64', 1044: 'openssl-3.0.7-25.el9_3.src.rpm', 1014: 'ASL 2.0' }));
    insert.run(13, header({ 1000: 'tzdata', 1001: '2024a', 1002: '1.el9', 1044: 'tzdata-2024a-1.el9.nosrc.rpm' }, 0));
    const bytes = db.serialize();
    db.close();
    const pkgs = run(rpmAnalyzer, 'var/lib/rpm/rpmdb.sqlite', bytes);
    assert.deepEqual(summary(pkgs).slice(2), ['openssl-libs 3.0.7-25.el9_3 openssl 3.0.7-25.el9_3 x86_64', 'tzdata 2024a-1.el9 tzdata 2024a-1.el9 -']);
  });

  it('a file that is not the database its name says throws MalformedPackageDbError, quickly', () => {
    assert.throws(() => run(rpmAnalyzer, 'var/lib/rpm/rpmdb.sqlite', Buffer.alloc(4096)), MalformedPackageDbError);
    assert.throws(() => run(rpmAnalyzer, 'var/lib/rpm/Packages', Buffer.alloc(4096)), MalformedPackageDbError);
    // A BDB file cut short, and one whose overflow chain loops back on itself, yield what they can.
    const bdb = readFileSync(join(FIXTURES, 'Packages'));
    assert.ok(run(rpmAnalyzer, 'var/lib/rpm/Packages', bdb.subarray(0, 3 * 4096)).length < 2);
    const looped = Buffer.from(bdb);
    for (let page = 1; page * 4096 < looped.length; page++) {
      if (looped[page * 4096 + 25] === 7) looped.writeUInt32LE(page, page * 4096 + 16);
    }
    assert.ok(run(rpmAnalyzer, 'var/lib/rpm/Packages', looped).length < 2);
  });
});

describe('the OS analyzers together', () => {
  it('each database path is wanted by exactly one analyzer', () => {
    const paths = [
      'var/lib/dpkg/status',
      'var/lib/dpkg/status.d/tzdata',
      'lib/apk/db/installed',
      'var/lib/rpm/Packages',
      'usr/lib/sysimage/rpm/rpmdb.sqlite',
      'usr/share/rpm/rpmdb.sqlite',
    ];
    for (const path of paths) assert.equal(OS_ANALYZERS.filter((a) => a.wants(path, 100, 0o644)).length, 1, path);
    for (const path of ['etc/os-release', 'var/lib/rpm/Packages.db', 'var/lib/dpkg/available', 'home/user/var/lib/dpkg/status']) {
      assert.equal(OS_ANALYZERS.filter((a) => a.wants(path, 100, 0o644)).length, 0, path);
    }
  });

  it('purls put the OS family as namespace, the distro and epoch as sorted qualifiers', () => {
    assert.equal(
      osPurl('dpkg', 'libc6', '2.36-9+deb12u4', 'amd64', { family: 'debian', version: '12' }),
      'pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12',
    );
    assert.equal(
      osPurl('rpm', 'bash', '1:5.1.8-6.el9', 'x86_64', { family: 'rhel', version: '9.3' }),
      'pkg:rpm/rhel/bash@5.1.8-6.el9?arch=x86_64&distro=rhel-9.3&epoch=1',
    );
    assert.equal(osPurl('apk', 'musl', '1.2.4-r2', undefined), 'pkg:apk/musl@1.2.4-r2');
  });
});
