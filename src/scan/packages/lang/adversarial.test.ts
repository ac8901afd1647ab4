import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ids, runAnalyzer } from './fixtures/analyze.js';
import { buildZip } from './fixtures/zip-builder.js';
import { LANGUAGE_ANALYZERS } from './index.js';
import { goBinaryAnalyzer } from './go-binary.js';
import { javaArchiveAnalyzer } from './java-archive.js';
import { rustAuditableAnalyzer } from './rust-auditable.js';

const MiB = 1024 * 1024;

/**
 * Runs `fn` and returns what it returned and how long it took. The time limits below are loose
 * (a shared CI machine), set where the unbounded behaviour would take minutes or hours.
 */
function timed<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}

function pomJar(group: string, artifact: string, version: string, nested: { name: string; data: Buffer }[] = []): Buffer {
  return buildZip([
    { name: `META-INF/maven/${group}/${artifact}/pom.properties`, data: Buffer.from(`groupId=${group}\nartifactId=${artifact}\nversion=${version}\n`) },
    ...nested,
  ]);
}

describe('language analyzers on hostile input', () => {
  it('a nested jar that inflates beyond its bound is skipped, its siblings still read', () => {
    // 80 MiB of zeros deflate to about 80 KiB; the directory claims 1 KiB.
    const bomb = { name: 'BOOT-INF/lib/bomb-1.0.jar', data: Buffer.alloc(80 * MiB), claimedSize: 1024 };
    const jar = pomJar('com.shop', 'shop', '1.0.0', [bomb, { name: 'BOOT-INF/lib/ok-2.0.jar', data: pomJar('org.ok', 'ok', '2.0') }]);
    assert.ok(jar.length < MiB);
    const { value, ms } = timed(() => runAnalyzer(javaArchiveAnalyzer, 'app.jar', jar));
    assert.deepEqual(ids(value), ['com.shop:shop@1.0.0', 'org.ok:ok@2.0']);
    assert.ok(ms < 5000, `took ${ms} ms`);
  });

  it('thousands of directory entries sharing one 20 MiB body stop at the inflation budget', () => {
    // Unbounded, this would inflate 5000 × 20 MiB; the archive's budget stops it after 256 MiB.
    const body = { name: 'lib/x.jar', data: Buffer.alloc(20 * MiB) };
    const entries = Array.from({ length: 5000 }, (_, i) => ({ ...body, name: `lib/x${i}.jar` }));
    const jar = buildZip(entries, { shareBodies: true });
    const { value, ms } = timed(() => runAnalyzer(javaArchiveAnalyzer, 'overlap.jar', jar));
    assert.deepEqual(value, []);
    assert.ok(ms < 30_000, `took ${ms} ms`);
  });

  it('jars nested ten deep are read to depth three', () => {
    let jar = pomJar('org.deep', 'level-9', '9.0');
    for (let level = 8; level >= 0; level--) jar = pomJar('org.deep', `level-${level}`, `${level}.0`, [{ name: `lib/level-${level + 1}.jar`, data: jar }]);
    assert.deepEqual(ids(runAnalyzer(javaArchiveAnalyzer, 'deep.jar', jar)), [
      'org.deep:level-0@0.0',
      'org.deep:level-1@1.0',
      'org.deep:level-2@2.0',
      'org.deep:level-3@3.0',
    ]);
  });

  it('a truncated or non-zip jar gives nothing', () => {
    const jar = pomJar('a', 'b', '1');
    assert.deepEqual(runAnalyzer(javaArchiveAnalyzer, 'x.jar', jar.subarray(0, jar.length - 10)), []);
    assert.deepEqual(runAnalyzer(javaArchiveAnalyzer, 'x.jar', randomBytes(4096)), []);
  });

  it('a 50 MB random executable, with and without an ELF header, gives nothing quickly', () => {
    const random = randomBytes(50 * 1000 * 1000);
    const elf = Buffer.from(random);
    Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(elf, 0);
    for (const content of [random, elf]) {
      for (const analyzer of [goBinaryAnalyzer, rustAuditableAnalyzer]) {
        const { value, ms } = timed(() => runAnalyzer(analyzer, 'usr/bin/noise', content, 0o755));
        assert.deepEqual(value, [], analyzer.name);
        assert.ok(ms < 3000, `${analyzer.name} took ${ms} ms`);
      }
    }
  });

  it('a file full of misaligned Go build-info magic is searched in one pass', () => {
    const magic = Buffer.from('\xff Go buildinf:', 'latin1');
    const file = Buffer.alloc(32 * MiB);
    file.write('MZ', 0, 'latin1');
    for (let at = 17; at + magic.length < file.length; at += 16) magic.copy(file, at);
    const { value, ms } = timed(() => runAnalyzer(goBinaryAnalyzer, 'bin/x', file, 0o755));
    assert.deepEqual(value, []);
    assert.ok(ms < 5000, `took ${ms} ms`);
  });

  it('a Go build info whose string lengths point past the file gives nothing', () => {
    const file = Buffer.alloc(4096);
    file.write('MZ', 0, 'latin1');
    file.write('\xff Go buildinf:\x08\x02', 1024, 'latin1');
    Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]).copy(file, 1024 + 32);
    assert.deepEqual(runAnalyzer(goBinaryAnalyzer, 'bin/x', file, 0o755), []);
  });

  it('no analyzer throws on malformed content in a file it wants', () => {
    const paths: [string, number][] = [
      ['app/node_modules/a/package.json', 0o644],
      ['site-packages/a-1.dist-info/METADATA', 0o644],
      ['usr/bin/a', 0o755],
      ['app/a.jar', 0o644],
      ['app/a.deps.json', 0o644],
      ['vendor/composer/installed.json', 0o644],
      ['gems/specifications/a-1.gemspec', 0o644],
    ];
    const bodies = [
      Buffer.alloc(0),
      Buffer.from('{"name":'),
      Buffer.from('['.repeat(100_000)),
      Buffer.from('\u0000\uffff'),
      randomBytes(10_000),
      Buffer.from('null'),
    ];
    for (const analyzer of LANGUAGE_ANALYZERS) {
      for (const [path, mode] of paths) {
        for (const body of bodies) {
          if (!analyzer.wants(path, body.length, mode)) continue;
          assert.deepEqual(analyzer.analyze({ path, size: body.length, mode, content: body }), [], `${analyzer.name} on ${path}`);
        }
      }
    }
  });
});
