import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it, test } from 'node:test';
import { ids, runAnalyzer } from './fixtures/analyze.js';
import { goBinaryAnalyzer, modulesOf, stdlibVersion } from './go-binary.js';

// Go programs Debian builds and CI installs (.ci/run): real Go ≥ 1.18 binaries. Debian builds them
// in GOPATH mode, so their build info names the main package but no modules; the toolchain
// version is cross-checked with the package's own `Built-Using: golang-1.x (= <version>)` field.
const DEBIAN_GO_PROGRAMS = [
  { file: '/usr/bin/skopeo', pkg: 'skopeo', mainPackage: 'github.com/containers/skopeo/cmd/skopeo' },
  { file: '/usr/bin/umoci', pkg: 'umoci', mainPackage: 'github.com/opencontainers/umoci/cmd/umoci' },
  { file: '/usr/bin/docker-registry', pkg: 'docker-registry', mainPackage: 'github.com/docker/distribution/cmd/registry' },
];

/** The Go toolchain version dpkg recorded for a package: `golang-1.19 (= 1.19.8-2)` → `1.19.8`. */
function builtWithGo(pkg: string): string | undefined {
  const status = readFileSync('/var/lib/dpkg/status', 'utf8');
  const stanza = status.split('\n\n').find((s) => s.startsWith(`Package: ${pkg}\n`));
  const match = /\bgolang-1\.\d+ \(= ([0-9.]+)-[^)]*\)/.exec(stanza?.split('\n').find((l) => l.startsWith('Built-Using:')) ?? '');
  return match?.[1];
}

const present = DEBIAN_GO_PROGRAMS.filter((p) => existsSync(p.file));
if (present.length < DEBIAN_GO_PROGRAMS.length && process.env.CI !== 'true') {
  test.skip(`Debian's Go programs are missing (${DEBIAN_GO_PROGRAMS.filter((p) => !present.includes(p)).map((p) => p.file)}); .ci/run installs them`);
} else {
  describe("Go binary analyzer on Debian's Go programs", () => {
    for (const program of DEBIAN_GO_PROGRAMS) {
      it(`${program.file}: the toolchain is stdlib at the golang version its package was built with`, () => {
        assert.ok(existsSync(program.file), `${program.file} must be installed in CI`);
        const goVersion = builtWithGo(program.pkg);
        assert.ok(goVersion !== undefined, `dpkg records no golang Built-Using for ${program.pkg}`);
        const content = readFileSync(program.file);
        assert.ok(content.includes(`path\t${program.mainPackage}\n`), 'the binary holds build info for its main package');
        const found = runAnalyzer(goBinaryAnalyzer, program.file.slice(1), content, 0o755);
        assert.deepEqual(found, [
          { type: 'gobinary', name: 'stdlib', version: `v${goVersion}`, purl: `pkg:golang/stdlib@v${goVersion}`, path: program.file.slice(1) },
        ]);
      });
    }
  });
}

const SENTINEL_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const SENTINEL_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');

function uvarint(n: number): Buffer {
  const bytes: number[] = [];
  while (n >= 0x80) {
    bytes.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

/** The Go ≥ 1.18 build info blob as the linker writes it: header, then the two inline strings. */
function buildInfo(goVersion: string, modInfo: string, flags = 0x2): Buffer {
  const header = Buffer.alloc(32);
  header.write('\xff Go buildinf:', 0, 'latin1');
  header[14] = 8;
  header[15] = flags;
  const version = Buffer.from(goVersion);
  const mod = Buffer.concat([SENTINEL_START, Buffer.from(modInfo), SENTINEL_END]);
  return Buffer.concat([header, uvarint(version.length), version, uvarint(mod.length), mod]);
}

/** A PE-looking executable (no section lookup, so the aligned scan is what finds the blob) with the blob at `at`. */
function executableWith(blob: Buffer, at: number, size = 8192): Buffer {
  const file = Buffer.alloc(Math.max(size, at + blob.length));
  file.write('MZ', 0, 'latin1');
  blob.copy(file, at);
  return file;
}

const MOD_INFO = [
  'path\tgithub.com/example/tool/cmd/tool',
  'mod\tgithub.com/example/tool\tv1.4.0\th1:Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE=',
  'dep\tgithub.com/Azure/go-ansiterm\tv0.0.0-20230124172434-306776ec8161\th1:L/gRVlceqvL25UVaW/CKtUDjefjrs0SPonmDGUVOYP0=',
  'dep\tgithub.com/spf13/cobra\tv1.8.0\th1:7aJaZx1B85qltLMc546zn58BxxfZdR/W22ej9CFoEf0=',
  'dep\tgolang.org/x/net\tv0.17.0\th1:pVaXccu2ozPjCXewfr1S7xza/zcXTity9cCdXQYSjIM=',
  '=>\tgolang.org/x/net\tv0.23.0\th1:7mQjC6y0Thq7ayKr1m8DRK3UY8tcTaapxXGdRoYq0w0=',
  'dep\texample.com/internal/shared\tv0.0.0-00010101000000-000000000000',
  '=>\t../shared',
  'build\t-buildmode=exe',
  'build\t-compiler=gc',
  'build\tCGO_ENABLED=0',
  'build\tGOOS=linux',
  'build\tvcs.revision=8b1a9f0e5ad3a3a0b6a0d35b7c3e2b2b8b9c0d1e',
  '',
].join('\n');

describe('Go binary analyzer', () => {
  it('reports the main module, every dependency with replacements applied, and the toolchain', () => {
    const file = executableWith(buildInfo('go1.21.5', MOD_INFO), 4096);
    const found = runAnalyzer(goBinaryAnalyzer, 'usr/local/bin/tool', file, 0o755);
    assert.deepEqual(ids(found), [
      'github.com/Azure/go-ansiterm@v0.0.0-20230124172434-306776ec8161',
      'github.com/example/tool@v1.4.0',
      'github.com/spf13/cobra@v1.8.0',
      'golang.org/x/net@v0.23.0',
      'stdlib@v1.21.5',
    ]);
    const purls = found === 'not wanted' ? [] : found.map((p) => p.purl);
    assert.ok(purls.includes('pkg:golang/github.com/Azure/go-ansiterm@v0.0.0-20230124172434-306776ec8161'));
    assert.ok(purls.includes('pkg:golang/golang.org/x/net@v0.23.0'));
  });

  it('skips a (devel) main module but keeps its dependencies', () => {
    assert.deepEqual(modulesOf('path\tx/cmd\nmod\texample.com/x\t(devel)\t\ndep\tgithub.com/a/b\tv1.0.0\th1:x=\n'), [{ path: 'github.com/a/b', version: 'v1.0.0' }]);
  });

  it('finds the header only at 16-byte-aligned offsets', () => {
    const blob = buildInfo('go1.22.1', 'path\tx\nmod\texample.com/x\tv1.0.0\t\n');
    assert.deepEqual(ids(runAnalyzer(goBinaryAnalyzer, 'bin/x', executableWith(blob, 4101), 0o755)), []);
    const decoyThenReal = executableWith(blob, 4101, 16384);
    blob.copy(decoyThenReal, 8192);
    assert.deepEqual(ids(runAnalyzer(goBinaryAnalyzer, 'bin/x', decoyThenReal, 0o755)), ['example.com/x@v1.0.0', 'stdlib@v1.22.1']);
  });

  it('does not read the pre-1.18 pointer format, scripts, or files without the executable bit', () => {
    assert.deepEqual(runAnalyzer(goBinaryAnalyzer, 'bin/old', executableWith(buildInfo('go1.16', MOD_INFO, 0x0), 4096), 0o755), []);
    const script = Buffer.concat([Buffer.from('#!/bin/sh\n'), buildInfo('go1.21.5', MOD_INFO)]);
    assert.deepEqual(runAnalyzer(goBinaryAnalyzer, 'bin/script', script, 0o755), []);
    assert.equal(runAnalyzer(goBinaryAnalyzer, 'lib/data.bin', executableWith(buildInfo('go1.21.5', MOD_INFO), 4096), 0o644), 'not wanted');
  });

  it('turns toolchain versions into the Go vulnerability database form', () => {
    assert.equal(stdlibVersion('go1.22.3'), 'v1.22.3');
    assert.equal(stdlibVersion('go1.20'), 'v1.20.0');
    assert.equal(stdlibVersion('go1.21rc2'), 'v1.21.0-rc.2');
    assert.equal(stdlibVersion('go1.19beta1'), 'v1.19.0-beta.1');
    assert.equal(stdlibVersion('go1.21.0 X:boringcrypto'), 'v1.21.0');
    assert.equal(stdlibVersion('devel go1.23-e9b8b2fb47 Tue Jan 2 2024'), undefined);
    assert.equal(stdlibVersion('go1.22.3-custom'), undefined);
  });
});
