import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OS_ANALYZERS } from '../packages/os/index.js';
import { gzip, gzipLayer, layerOf, MEDIA, tarOf, zstd, zstdAvailable, type TarEntry } from './layer-builder.suite.js';
import { inspectImage, LayerLimitError, LayerReadError } from './index.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'os', 'fixtures');
const CI = process.env.CI === 'true';

const STATUS = `Package: base-files
Status: install ok installed
Architecture: amd64
Version: 12.4+deb12u5

Package: libssl3
Status: install ok installed
Architecture: amd64
Source: openssl (3.0.11-1~deb12u2)
Version: 3.0.11-1~deb12u2
`;
const OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n';

const APK_INSTALLED = `C:Q1hHhdGAPzPKrpUhFr3bOv7MvkO4A=
P:musl
V:1.2.4-r2
A:x86_64
S:383152
I:622592
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Timo Teräs <timo.teras@iki.fi>
t:1698074738
c:ba9d8d72d8c9e0d8b39d4b4a62e4da7e2bfe5a3a
p:so:libc.musl-x86_64.so.1=1
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1BqROGfDDcqP7W0YJ0UJMuxE5TfY=
R:libc.musl-x86_64.so.1
a:0:0:777
Z:Q17yJ3JFNypA4mxhJJr0ou6CzsJVI=

C:Q1Mp4dUn/6zpKj0o6e5E7dS3RrMe0=
P:libcrypto3
V:3.1.4-r1
A:x86_64
S:1722024
I:4399104
T:Crypto library from openssl
U:https://www.openssl.org/
L:Apache-2.0
o:openssl
m:Ariadne Conill <ariadne@dereferenced.org>
t:1698253392
c:1b1cc8fa1f8e2ffb0c5a5e0bd0ec5fa6dd4f3b12
D:so:libc.musl-x86_64.so.1
p:so:libcrypto.so.3=3
F:usr/lib
R:libcrypto.so.3
a:0:0:755
Z:Q1vJVU8kOvvfr/9Ax0MAVg7ZbBfGE=

`;

const gzipLayerBytes = async () => gzip(await tarOf([{ name: 'var/lib/dpkg/status', content: STATUS.repeat(100) }]));

const byName = <T extends { name: string }>(packages: readonly T[]) => new Map(packages.map((p) => [p.name, p]));

describe('inspectImage reads packages and the OS from real layer tarballs', () => {
  it("finds this machine's dpkg packages and OS in a gzip layer, with the layer's digest and diff id", async (t) => {
    if (!existsSync('/var/lib/dpkg/status') || !existsSync('/etc/os-release')) {
      if (CI) assert.fail('CI runs on Debian: /var/lib/dpkg/status and /etc/os-release must exist');
      t.skip('this machine has no dpkg database');
      return;
    }
    const dpkgVersion = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'dpkg'], { encoding: 'utf8' });
    const osRelease = readFileSync('/etc/os-release', 'utf8');
    const id = /^ID=(.*)$/m.exec(osRelease)?.[1]?.replace(/"/g, '');
    const layer = await gzipLayer([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/os-release', content: osRelease },
      { name: 'var/lib/dpkg/status', content: readFileSync('/var/lib/dpkg/status') },
    ]);
    const image = await inspectImage([layer], OS_ANALYZERS);
    assert.equal(image.os?.family, id);
    const dpkg = image.packages.find((p) => p.name === 'dpkg');
    assert.equal(dpkg?.version, dpkgVersion);
    assert.equal(dpkg?.type, 'dpkg');
    assert.equal(dpkg?.path, 'var/lib/dpkg/status');
    assert.equal(dpkg?.layerDigest, layer.digest);
    assert.equal(dpkg?.layerDiffId, layer.diffId);
    assert.match(dpkg?.purl ?? '', new RegExp(`^pkg:deb/${id}/dpkg@.*distro=${id}-`));
    // dpkg's own reading of its database: wanted (not marked for removal) and with its files on disk.
    const installed = execFileSync('dpkg-query', ['-W', '-f=${db:Status-Want} ${db:Status-Status}\n'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => /^(install|hold|unknown) (?!not-installed|config-files)\S/.test(line)).length;
    assert.equal(image.packages.length, installed, 'one package per installed dpkg stanza');
    assert.equal(layer.opened, 1);
  });

  it('reads an apk database from a zstd layer: origins are source names, the edge repository wins', async (t) => {
    if (!zstdAvailable()) {
      if (CI) assert.fail("the zstd CLI is missing (Debian's zstd package, in .ci/run)");
      t.skip('the zstd CLI is not installed');
      return;
    }
    const tar = await tarOf([
      { name: 'etc/alpine-release', content: '3.19.0\n' },
      { name: 'etc/os-release', content: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.0\nPRETTY_NAME="Alpine Linux v3.19"\n' },
      { name: 'etc/apk/repositories', content: 'https://dl-cdn.alpinelinux.org/alpine/edge/main\nhttps://dl-cdn.alpinelinux.org/alpine/edge/community\n' },
      { name: 'lib/apk/db/installed', content: APK_INSTALLED },
    ]);
    const layer = layerOf(zstd(tar), MEDIA.zstd, tar);
    const image = await inspectImage([layer], OS_ANALYZERS);
    assert.deepEqual(image.os, { family: 'alpine', version: 'edge', prettyName: 'Alpine Linux v3.19' });
    const crypto = byName(image.packages).get('libcrypto3');
    assert.equal(crypto?.sourceName, 'openssl');
    assert.equal(crypto?.version, '3.1.4-r1');
    assert.deepEqual(crypto?.licenses, ['Apache-2.0']);
    assert.equal(crypto?.purl, 'pkg:apk/alpine/libcrypto3@3.1.4-r1?arch=x86_64&distro=alpine-edge');
    assert.equal(crypto?.layerDigest, layer.digest);
    assert.equal(image.packages.length, 2);
  });

  it('reads the rpm SQLite and Berkeley DB databases that rpm itself wrote', async () => {
    const layer = await gzipLayer([
      { name: 'etc/os-release', content: 'ID="rocky"\nVERSION_ID="9.3"\n' },
      { name: 'var/lib/rpm/rpmdb.sqlite', content: readFileSync(join(FIXTURES, 'rpmdb.sqlite')) },
      { name: 'usr/lib/sysimage/rpm/Packages', content: readFileSync(join(FIXTURES, 'Packages')) },
    ]);
    const image = await inspectImage([layer], OS_ANALYZERS);
    const found = image.packages.map((p) => `${p.path} ${p.name} ${p.version} ${p.sourceName} ${p.licenses?.join()}`).sort();
    assert.deepEqual(found, [
      'usr/lib/sysimage/rpm/Packages berth-hello 2:1.2.3-4.el9 berth-hello MIT and BSD',
      'usr/lib/sysimage/rpm/Packages berth-hello-libs 2:1.2.3-4.el9 berth-hello Apache-2.0',
      'var/lib/rpm/rpmdb.sqlite berth-hello 2:1.2.3-4.el9 berth-hello MIT and BSD',
      'var/lib/rpm/rpmdb.sqlite berth-hello-libs 2:1.2.3-4.el9 berth-hello Apache-2.0',
    ]);
    assert.equal(image.packages[0]?.purl.startsWith('pkg:rpm/rocky/berth-hello'), true);
    assert.match(image.packages[0]?.purl ?? '', /\?arch=noarch&distro=rocky-9\.3&epoch=2$/);
  });

  it('names in any tar spelling (./, leading /, PAX long names) are found, symlinks are not followed', async () => {
    const deep = `opt/${'very-long-directory-name/'.repeat(8)}`;
    const layer = await gzipLayer([
      { name: './etc/os-release', content: OS_RELEASE },
      { name: '/var/lib/dpkg/status', content: STATUS },
      { name: `${deep}x`, content: 'x' },
      { name: 'usr/lib/os-release', type: 'symlink', linkname: '../../etc/os-release' },
      { name: 'var/lib/dpkg/status.d/libc6', type: 'symlink', linkname: '/var/lib/dpkg/status' },
    ]);
    const image = await inspectImage([layer], OS_ANALYZERS);
    assert.deepEqual(image.os, { family: 'debian', version: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' });
    assert.deepEqual(
      image.packages.map((p) => `${p.name} ${p.sourceName} ${p.sourceVersion}`),
      ['base-files base-files 12.4+deb12u5', 'libssl3 openssl 3.0.11-1~deb12u2'],
    );
    assert.equal(image.packages[1]?.purl, 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12');
  });

  it("a hard link to an analysed file of a lower layer has the target's packages, at the link's path and layer", async () => {
    const lower = await gzipLayer([{ name: 'var/lib/dpkg/status', content: STATUS }]);
    const upper = await gzipLayer([{ name: 'var/lib/dpkg/status.d/all', type: 'link', linkname: 'var/lib/dpkg/status' }]);
    const image = await inspectImage([lower, upper], OS_ANALYZERS);
    assert.deepEqual(
      image.packages.map((p) => `${p.path} ${p.name} ${p.layerDigest === upper.digest ? 'upper' : 'lower'}`),
      [
        'var/lib/dpkg/status base-files lower',
        'var/lib/dpkg/status libssl3 lower',
        'var/lib/dpkg/status.d/all base-files upper',
        'var/lib/dpkg/status.d/all libssl3 upper',
      ],
    );
    assert.equal(image.stats.unresolvedHardlinks, 0);
  });

  it('a hard link to a wanted file of the same layer is analysed at its own path', async () => {
    const layer = await gzipLayer([
      { name: 'var/lib/dpkg/status', content: STATUS },
      { name: 'var/lib/dpkg/status.d/base', type: 'link', linkname: 'var/lib/dpkg/status' },
    ]);
    const image = await inspectImage([layer], OS_ANALYZERS);
    assert.deepEqual(
      image.packages.map((p) => `${p.path} ${p.name}`),
      ['var/lib/dpkg/status base-files', 'var/lib/dpkg/status libssl3', 'var/lib/dpkg/status.d/base base-files', 'var/lib/dpkg/status.d/base libssl3'],
    );
  });

  it("a hard link to a file of the same layer whose bytes were not kept has the file's packages, at the link's path", async () => {
    const layer = await gzipLayer([
      { name: 'var/lib/dpkg/status', content: STATUS },
      { name: 'var/lib/dpkg/status.d/base', type: 'link', linkname: 'var/lib/dpkg/status' },
    ]);
    const image = await inspectImage([layer], OS_ANALYZERS, { limits: { maxHeldForLinksBytes: 0 } });
    assert.deepEqual(
      image.packages.map((p) => `${p.path} ${p.name}`),
      ['var/lib/dpkg/status base-files', 'var/lib/dpkg/status libssl3', 'var/lib/dpkg/status.d/base base-files', 'var/lib/dpkg/status.d/base libssl3'],
    );
    assert.equal(image.stats.unresolvedHardlinks, 0);
  });
});

describe('inspectImage applies layers as OCI whiteouts say', () => {
  const base = (): Promise<ReturnType<typeof layerOf>> =>
    gzipLayer([
      { name: 'etc/os-release', content: OS_RELEASE },
      { name: 'var/lib/dpkg/status', content: STATUS },
    ]);
  const names = (packages: readonly { name: string }[]) => packages.map((p) => p.name);

  it('a later `.wh.status` removes the dpkg packages', async () => {
    const [lower, upper] = [await base(), await gzipLayer([{ name: 'var/lib/dpkg/.wh.status' }])];
    const image = await inspectImage([lower, upper], OS_ANALYZERS);
    assert.deepEqual(image.packages, []);
    assert.equal(image.os?.family, 'debian');
  });

  it('a later opaque var/lib/dpkg/ removes them, and so does a whiteout of the whole directory', async () => {
    const opaque = await gzipLayer([{ name: 'var/lib/dpkg/', type: 'directory' }, { name: 'var/lib/dpkg/.wh..wh..opq' }]);
    assert.deepEqual((await inspectImage([await base(), opaque], OS_ANALYZERS)).packages, []);
    const wholeDir = await gzipLayer([{ name: 'var/lib/.wh.dpkg' }]);
    assert.deepEqual((await inspectImage([await base(), wholeDir], OS_ANALYZERS)).packages, []);
    const os = await gzipLayer([{ name: 'etc/.wh.os-release' }]);
    assert.equal((await inspectImage([await base(), os], OS_ANALYZERS)).os, undefined);
  });

  it("an opaque directory does not hide the files its own layer puts there, whatever the tar's order", async () => {
    const upper = await gzipLayer([
      { name: 'var/lib/dpkg/status', content: 'Package: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13.dfsg-1\n' },
      { name: 'var/lib/dpkg/.wh..wh..opq' },
      { name: 'var/lib/dpkg/.wh.status' },
    ]);
    const image = await inspectImage([await base(), upper], OS_ANALYZERS);
    assert.deepEqual(names(image.packages), ['zlib1g']);
    assert.equal(image.packages[0]?.layerDigest, upper.digest);
    assert.equal(image.packages[0]?.purl, 'pkg:deb/debian/zlib1g@1.2.13.dfsg-1?distro=debian-12&epoch=1');
  });

  it("a later layer's status replaces the earlier one, and its packages carry the later layer", async () => {
    const lower = await base();
    const upper = await gzipLayer([{ name: 'var/lib/dpkg/status', content: STATUS.replaceAll('3.0.11-1~deb12u2', '3.0.13-1~deb12u1') }]);
    const middle = await gzipLayer([{ name: 'var/lib/apt/lists/.wh.auxfiles' }]);
    const image = await inspectImage([lower, middle, upper], OS_ANALYZERS);
    assert.deepEqual(
      image.packages.map((p) => `${p.name} ${p.version} ${p.layerDigest === upper.digest}`),
      ['base-files 12.4+deb12u5 true', 'libssl3 3.0.13-1~deb12u1 true'],
    );
    assert.deepEqual(
      image.layers.map((l) => l.digest),
      [lower.digest, middle.digest, upper.digest],
    );
  });

  it('a later non-file at the path (a directory, a symlink) replaces the file', async () => {
    const dir = await gzipLayer([{ name: 'var/lib/dpkg/status', type: 'directory' }]);
    assert.deepEqual((await inspectImage([await base(), dir], OS_ANALYZERS)).packages, []);
    const link = await gzipLayer([{ name: 'var/lib/dpkg/status', type: 'symlink', linkname: '/dev/null' }]);
    assert.deepEqual((await inspectImage([await base(), link], OS_ANALYZERS)).packages, []);
    const fileOverDir = await gzipLayer([{ name: 'var/lib/dpkg', content: 'not a directory any more' }]);
    assert.deepEqual((await inspectImage([await base(), fileOverDir], OS_ANALYZERS)).packages, []);
  });
});

describe('inspectImage on layers that are not what they claim', () => {
  it('sniffs gzip behind a plain-tar media type, and the Docker media type', async () => {
    const tar = await tarOf([{ name: 'var/lib/dpkg/status', content: STATUS }]);
    for (const mediaType of [MEDIA.tar, MEDIA.docker]) {
      const image = await inspectImage([layerOf(gzip(tar), mediaType)], OS_ANALYZERS);
      assert.equal(image.packages.length, 2, mediaType);
    }
    const plain = await inspectImage([layerOf(tar, MEDIA.tar)], OS_ANALYZERS);
    assert.equal(plain.packages.length, 2);
  });

  it('skips layers that are not file systems, with a note, without opening them', async () => {
    const chart = layerOf(Buffer.from('not a layer'), 'application/vnd.cncf.helm.chart.content.v1.tar+gzip');
    const foreign = layerOf(Buffer.from('elsewhere'), 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip');
    const real = await gzipLayer([{ name: 'var/lib/dpkg/status', content: STATUS }]);
    const image = await inspectImage([foreign, real, chart], OS_ANALYZERS);
    assert.equal(image.packages.length, 2);
    assert.equal(chart.opened + foreign.opened, 0);
    assert.match(image.notes[0] ?? '', /foreign\.diff.*not a file system layer/);
    assert.match(image.notes[1] ?? '', /helm\.chart\.content.*not a file system layer/);
    assert.equal(image.layers.length, 3);
  });

  it('a truncated gzip layer is a LayerReadError naming the layer', async () => {
    const blob = gzip(await tarOf([{ name: 'var/lib/dpkg/status', content: STATUS.repeat(200) }]));
    const truncated = layerOf(blob.subarray(0, Math.floor(blob.length / 2)), MEDIA.gzip);
    await assert.rejects(inspectImage([truncated], OS_ANALYZERS), (error: unknown) => {
      assert.ok(error instanceof LayerReadError);
      assert.equal(error.layerDigest, truncated.digest);
      return true;
    });
  });

  it('zstd behind a plain-tar media type is sniffed; a truncated zstd layer is a LayerReadError', async (t) => {
    if (!zstdAvailable()) {
      if (CI) assert.fail("the zstd CLI is missing (Debian's zstd package, in .ci/run)");
      t.skip('the zstd CLI is not installed');
      return;
    }
    const blob = zstd(await tarOf([{ name: 'var/lib/dpkg/status', content: `${STATUS}\n`.repeat(50) }]));
    assert.equal((await inspectImage([layerOf(blob, MEDIA.tar)], OS_ANALYZERS)).packages.length, 100);
    const truncated = layerOf(blob.subarray(0, blob.length - 20), MEDIA.zstd);
    await assert.rejects(inspectImage([truncated], OS_ANALYZERS), (error: unknown) => error instanceof LayerReadError && error.layerDigest === truncated.digest);
  });

  it('a truncated plain tar and random bytes are LayerReadErrors too', async () => {
    const tar = await tarOf([{ name: 'var/lib/dpkg/status', content: STATUS.repeat(200) }]);
    await assert.rejects(inspectImage([layerOf(tar.subarray(0, 3000), MEDIA.tar)], OS_ANALYZERS), LayerReadError);
    await assert.rejects(inspectImage([layerOf(Buffer.alloc(5000, 7), MEDIA.tar)], OS_ANALYZERS), LayerReadError);
    const badGzip = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(100, 0xff)]);
    await assert.rejects(inspectImage([layerOf(badGzip, MEDIA.gzip)], OS_ANALYZERS), LayerReadError);
  });

  it('a tar bomb of many entries stops at maxEntriesPerLayer with a LayerLimitError', async () => {
    const entries = function* (): Generator<TarEntry> {
      for (let i = 0; i < 5000; i++) yield { name: `bomb/${i}`, content: '' };
    };
    const bomb = layerOf(gzip(await tarOf(entries())), MEDIA.gzip);
    await assert.rejects(inspectImage([bomb], OS_ANALYZERS, { limits: { maxEntriesPerLayer: 1000 } }), (error: unknown) => {
      assert.ok(error instanceof LayerLimitError);
      assert.equal(error.limit, 'maxEntriesPerLayer');
      assert.equal(error.layerDigest, bomb.digest);
      return true;
    });
    // Within the default limits, the same layer is read to the end.
    assert.equal((await inspectImage([bomb], OS_ANALYZERS)).stats.entries, 5000);
  });

  it('a decompression bomb stops at maxLayerBytes', async () => {
    const bomb = layerOf(gzip(await tarOf([{ name: 'zeros', content: Buffer.alloc(4 * 1024 * 1024) }])), MEDIA.gzip);
    await assert.rejects(inspectImage([bomb], OS_ANALYZERS, { limits: { maxLayerBytes: 1024 * 1024 } }), LayerLimitError);
  });

  it('files past maxAnalyzedBytes or an overlong path are skipped and counted', async () => {
    const layer = await gzipLayer([
      { name: 'var/lib/dpkg/status', content: STATUS },
      { name: 'lib/apk/db/installed', content: APK_INSTALLED },
      { name: `${'x/'.repeat(100)}var`, content: '' },
    ]);
    const image = await inspectImage([layer], OS_ANALYZERS, { limits: { maxAnalyzedBytes: STATUS.length, maxPathLength: 100 } });
    assert.deepEqual(
      image.packages.map((p) => p.name),
      ['base-files', 'libssl3'],
    );
    assert.equal(image.stats.filesOverBudget, 1);
    assert.equal(image.stats.badPaths, 1);
  });

  it('a malformed package database is skipped and counted, the rest of the image still read', async () => {
    const layer = await gzipLayer([
      { name: 'var/lib/rpm/rpmdb.sqlite', content: Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4000, 1)]) },
      { name: 'var/lib/rpm/Packages', content: Buffer.alloc(8192, 0xab) },
      { name: 'var/lib/dpkg/status', content: `${STATUS}\nPackage: broken\n\n\0\0\0garbage: \n` },
    ]);
    const image = await inspectImage([layer], OS_ANALYZERS);
    assert.deepEqual(
      image.packages.map((p) => p.name),
      ['base-files', 'libssl3'],
    );
    assert.equal(image.stats.malformedFiles, 2);
    assert.equal(image.notes.length, 2);
  });

  it('an aborted signal stops the walk with its reason', async () => {
    const layer = await gzipLayer([{ name: 'var/lib/dpkg/status', content: STATUS }]);
    const reason = new Error('scan timed out');
    await assert.rejects(inspectImage([layer], OS_ANALYZERS, { signal: AbortSignal.abort(reason) }), (error) => error === reason);
    // A blob store that stops sending mid-layer: only the signal ends the wait.
    let stalled: PassThrough | undefined;
    const stuck = {
      ...layer,
      open: async () => {
        stalled = new PassThrough();
        stalled.write((await gzipLayerBytes()).subarray(0, 100));
        return stalled;
      },
    };
    // AbortSignal.timeout's timer does not keep the process alive; a scan's server does, this timer here.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('deadline')), 50);
    await assert.rejects(inspectImage([stuck], OS_ANALYZERS, { signal: controller.signal }), /deadline/);
    clearTimeout(timer);
    assert.equal(stalled?.destroyed, true, 'the stalled stream is destroyed');
  });
});
