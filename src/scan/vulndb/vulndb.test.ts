import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/index.js';
import { testDialects } from '../../testing/dialects.js';
import { FIXTURES, fixtureFiles, fixtureZip } from './fixtures.suite.js';
import { createAdvisorySource, databaseAge, importPaths, isStale, vulnDbStatus } from './index.js';

const DAY = 86_400_000;

function record(id: string, modified: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id,
    modified,
    affected: [{ package: { ecosystem: 'npm', name: 'left-pad' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.3.0' }] }] }],
    ...extra,
  });
}

for (const dialect of testDialects()) {
  describe(`vulnerability database import (${dialect.name})`, () => {
    let database: Database;
    let cleanup: () => Promise<void>;
    let dir: string;
    let now = Date.parse('2026-01-10T00:00:00Z');
    const clock: Clock = { now: () => now };

    before(async () => {
      ({ database, cleanup } = await dialect.open());
      dir = mkdtempSync(join(tmpdir(), 'berth-vulndb-'));
    });
    after(async () => {
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it('imports a directory of OSV files recursively, counting what is not a record', async () => {
      const tree = join(dir, 'tree');
      cpSync(FIXTURES, tree, { recursive: true });
      writeFileSync(join(tree, 'go', 'index.json'), '["GO-2021-0159"]');
      writeFileSync(join(tree, 'broken.json'), '{"id": "X-1", "modified":');
      const summary = await importPaths(database, [tree], { clock });
      assert.equal(summary.imported, fixtureFiles().length);
      assert.equal(summary.invalid, 2);
      const reasons = Object.keys(summary.invalidReasons).sort();
      assert.equal(reasons.length, 2);
      assert.match(reasons[0] ?? '', /^not JSON: /);
      assert.equal(reasons[1], 'record: Invalid input: expected object, received array');
      const status = await vulnDbStatus(database);
      assert.equal(status.records, fixtureFiles().length);
      assert.deepEqual(
        status.ecosystems.map((e) => `${e.ecosystem}=${e.records}`),
        ['Alpine:v3.11=3', 'Debian:12=3', 'Go=3', 'Maven=1', 'NuGet=1', 'PyPI=1', 'npm=2'],
      );
    });

    it('imports the same files again as unchanged, and the same records from a zip too', async () => {
      const again = await importPaths(database, fixtureFiles(), { clock });
      assert.deepEqual([again.imported, again.updated, again.unchanged, again.invalid], [0, 0, fixtureFiles().length, 0]);
      const zip = join(dir, 'all.zip');
      writeFileSync(zip, fixtureZip({ 'not-a-record.json': '{"hello": 1}', 'README.txt': 'skipped' }));
      const fromZip = await importPaths(database, [zip], { clock });
      assert.deepEqual([fromZip.imported, fromZip.updated, fromZip.unchanged, fromZip.invalid], [0, 0, fixtureFiles().length, 1]);
      assert.equal(fromZip.invalidExamples[0]?.origin, `${zip}:not-a-record.json`);
    });

    it('replaces a record only with a later modified time, packages included', async () => {
      const file = join(dir, 'LP-1.json');
      writeFileSync(file, record('LP-1', '2025-01-01T00:00:00Z'));
      assert.equal((await importPaths(database, [file], { clock })).imported, 1);
      const source = createAdvisorySource(database);
      assert.equal((await source.advisoriesFor('npm', ['left-pad']))[0]?.affected.ranges?.[0]?.events[1]?.fixed, '1.3.0');

      const older = record('LP-1', '2024-06-01T00:00:00Z', {
        affected: [{ package: { ecosystem: 'npm', name: 'right-pad' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] }],
      });
      writeFileSync(file, older);
      assert.equal((await importPaths(database, [file], { clock })).unchanged, 1);
      assert.equal((await source.advisoriesFor('npm', ['right-pad'])).length, 0);

      writeFileSync(
        file,
        record('LP-1', '2025-02-01T00:00:00Z', {
          affected: [{ package: { ecosystem: 'npm', name: 'right-pad' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] }],
        }),
      );
      assert.equal((await importPaths(database, [file], { clock })).updated, 1);
      assert.equal((await source.advisoriesFor('npm', ['left-pad'])).length, 0, 'the old package row went with the old copy');
      assert.equal((await source.advisoriesFor('npm', ['right-pad']))[0]?.id, 'LP-1');
    });

    it('keeps a withdrawn record out of matching, and out of the counts', async () => {
      const file = join(dir, 'LP-2.json');
      writeFileSync(file, record('LP-2', '2025-01-01T00:00:00Z'));
      await importPaths(database, [file], { clock });
      const source = createAdvisorySource(database);
      assert.ok((await source.advisoriesFor('npm', ['left-pad'])).some((a) => a.id === 'LP-2'));
      const before = await vulnDbStatus(database);
      writeFileSync(file, record('LP-2', '2025-03-01T00:00:00Z', { withdrawn: '2025-03-01T00:00:00Z' }));
      assert.equal((await importPaths(database, [file], { clock })).updated, 1);
      assert.ok(!(await source.advisoriesFor('npm', ['left-pad'])).some((a) => a.id === 'LP-2'));
      const status = await vulnDbStatus(database);
      assert.equal(status.records, before.records - 1);
      assert.equal(status.withdrawn, before.withdrawn + 1);
    });

    it('skips records without an id, a modified time or well-formed ranges, with the reason', async () => {
      const bad = join(dir, 'bad');
      mkdirSync(bad);
      writeFileSync(join(bad, 'a.json'), JSON.stringify({ modified: '2025-01-01T00:00:00Z' }));
      writeFileSync(join(bad, 'b.json'), JSON.stringify({ id: 'B-1', modified: 'yesterday' }));
      writeFileSync(
        join(bad, 'c.json'),
        JSON.stringify({ id: 'C-1', modified: '2025-01-01T00:00:00Z', affected: [{ ranges: [{ type: 'SEMVER', events: 'all' }] }] }),
      );
      const summary = await importPaths(database, [bad, join(dir, 'missing.json')], { clock });
      assert.equal(summary.invalid, 3);
      assert.equal(summary.imported, 0);
      assert.deepEqual(
        summary.invalidExamples.map((e) => e.reason.split(':')[0]),
        ['id', 'modified', 'affected.0.ranges.0.events'],
      );
      assert.deepEqual(summary.failedInputs, [{ input: join(dir, 'missing.json'), reason: 'no such file or directory' }]);
    });

    it('an import in many batches stores every record once', async () => {
      const many = join(dir, 'many');
      mkdirSync(many);
      for (let i = 0; i < 1001; i += 1) writeFileSync(join(many, `M-${i}.json`), record(`M-${i}`, '2025-01-01T00:00:00Z'));
      const summary = await importPaths(database, [many], { clock });
      assert.equal(summary.imported, 1001);
      const names = await createAdvisorySource(database).advisoriesFor('npm', ['left-pad']);
      assert.equal(names.filter((a) => a.id.startsWith('M-')).length, 1001);
    });

    it('knows how old the data is', async () => {
      assert.equal(await databaseAge(database, clock), 0);
      assert.equal(await isStale(database, clock, 7), false);
      now += 8 * DAY;
      assert.equal(await databaseAge(database, clock), 8 * DAY);
      assert.equal(await isStale(database, clock, 7), true);
    });
  });
}

test('a database never imported into is stale', async () => {
  const [sqlite] = testDialects();
  assert.ok(sqlite);
  const { database, cleanup } = await sqlite.open();
  try {
    const clock = { now: () => Date.now() };
    assert.equal(await databaseAge(database, clock), undefined);
    assert.equal(await isStale(database, clock, 7), true);
  } finally {
    await cleanup();
  }
});

// The OSV JSON Schema (ossf/osv-schema, Apache-2.0), kept in the shared reference beside the repository.
const OSV_SCHEMA = join(FIXTURES, '..', '..', '..', '..', '..', 'shared', 'reference', 'security', 'osv-schema.json');

if (!existsSync(OSV_SCHEMA)) {
  test.skip(`the OSV schema is missing at ${OSV_SCHEMA} (clone shared/ beside the repository)`);
} else {
  test('every fixture is a valid OSV record', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(OSV_SCHEMA, 'utf8')) as object);
    const failures = fixtureFiles().flatMap((file) => (validate(JSON.parse(readFileSync(file, 'utf8'))) ? [] : [`${file}: ${ajv.errorsText(validate.errors)}`]));
    assert.equal(fixtureFiles().length, 14);
    assert.deepEqual(failures, []);
  });
}
