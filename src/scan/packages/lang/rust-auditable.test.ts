import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ids, runAnalyzer } from './fixtures/analyze.js';
import { rustAuditableAnalyzer } from './rust-auditable.js';

// fixtures/rust/auditable-demo: a rustc-built executable with the `.dep-v0` section of
// fixtures/rust/dep-v0.json, made by fixtures/rust/make-auditable-binary.sh (checked in, since
// CI has no Rust toolchain).
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'rust');

describe('Rust cargo-auditable analyzer', () => {
  it('reports the runtime crates of the binary, not its build-time ones', () => {
    const found = runAnalyzer(rustAuditableAnalyzer, 'usr/local/bin/auditable-demo', readFileSync(join(FIXTURES, 'auditable-demo')), 0o755);
    assert.deepEqual(ids(found), ['adler@1.0.2', 'auditable-demo@0.1.0', 'miniz_oxide@0.7.1']);
    const adler = found !== 'not wanted' ? found.find((p) => p.name === 'adler') : undefined;
    assert.deepEqual(adler, { type: 'cargo', name: 'adler', version: '1.0.2', purl: 'pkg:cargo/adler@1.0.2', path: 'usr/local/bin/auditable-demo' });
  });

  it('agrees with the JSON the section was made from', () => {
    const json = JSON.parse(readFileSync(join(FIXTURES, 'dep-v0.json'), 'utf8')) as { packages: { name: string; version: string; kind?: string }[] };
    const runtime = json.packages.filter((p) => p.kind === undefined).map((p) => `${p.name}@${p.version}`);
    assert.deepEqual(ids(runAnalyzer(rustAuditableAnalyzer, 'bin/demo', readFileSync(join(FIXTURES, 'auditable-demo')), 0o755)), runtime.sort());
  });

  it('finds nothing in an ELF executable without the section, or with a section that is not zlib JSON', () => {
    const binary = readFileSync(join(FIXTURES, 'auditable-demo'));
    assert.deepEqual(runAnalyzer(rustAuditableAnalyzer, 'bin/ls', readFileSync('/bin/ls'), 0o755), []);
    // Same length, other bytes: corrupt the compressed section (it starts with zlib's level-7 header 78 DA) in a copy.
    const corrupt = Buffer.from(binary);
    const at = corrupt.indexOf(Buffer.from([0x78, 0xda]));
    assert.ok(at > 0, 'the fixture holds a zlib stream');
    corrupt.fill(0x41, at + 2, at + 40);
    assert.deepEqual(runAnalyzer(rustAuditableAnalyzer, 'bin/demo', corrupt, 0o755), []);
  });
});
