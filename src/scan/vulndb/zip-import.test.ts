import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { zipSync, type Zippable } from 'fflate';
import type { Database } from '../../platform/db/index.js';
import { testDialects } from '../../testing/dialects.js';
import { createAdvisorySource, IMPORT_BATCH, importPaths, vulnDbStatus } from './index.js';

const RECORDS = 2500;
/** Records [0, CHANGED) come again with a later `modified`; the rest again unchanged. */
const CHANGED = 1250;
const CRITICAL_V3 = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';

const modified = (i: number, newer: boolean) => new Date(Date.parse('2025-01-01T00:00:00Z') + i * 1000 + (newer ? 86_400_000 : 0)).toISOString();
const withdrawnLater = (i: number) => i < CHANGED && i % 100 === 7;

/** Record `i`: Debian, PyPI or npm (two ranges) by `i % 3`; in its newer copy it names `moved-<i>` in npm instead. */
function record(i: number, newer: boolean): object {
  const ecosystem = newer ? 'npm' : (['Debian:12', 'PyPI', 'npm'][i % 3] as string);
  const name = newer ? `moved-${i}` : i % 3 === 0 ? `pkg${i % 50}` : i % 3 === 1 ? `Some_Pkg.${i % 40}` : `lib-${i % 60}`;
  const ranges = [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: `${i}.0.1` }] }];
  return {
    id: `BATCH-${i}`,
    modified: modified(i, newer),
    aliases: [`CVE-2025-${10000 + i}`],
    summary: `record ${i}${newer ? ' (newer)' : ''}`,
    ...(i % 2 === 0 ? { severity: [{ type: 'CVSS_V3', score: CRITICAL_V3 }] } : {}),
    ...(newer && withdrawnLater(i) ? { withdrawn: modified(i, true) } : {}),
    affected: (i % 3 === 2 || newer ? [ranges, [{ type: 'ECOSYSTEM', events: [{ introduced: `${i}.1.0` }] }]] : [ranges]).map((r) => ({
      package: { ecosystem, name },
      ranges: r,
    })),
  };
}

/** OSV's all.zip layout; every fifth entry stored rather than deflated, as some zips hold them. */
function osvZip(newer: (i: number) => boolean, extra: Zippable = {}): Uint8Array {
  const entries: Zippable = {};
  for (let i = 0; i < RECORDS; i += 1) {
    entries[`BATCH-${i}.json`] = [Buffer.from(JSON.stringify(record(i, newer(i)))), { level: i % 5 === 0 ? 0 : 6 }];
    if (i === 1000) Object.assign(entries, extra);
  }
  return zipSync(entries);
}

/** A zip whose `damaged.json` entry has deflate data no inflater accepts. */
function withDamagedEntry(): Uint8Array {
  const zip = osvZip(() => false, { 'damaged.json': [Buffer.from('x'.repeat(5000)), { level: 6 }] });
  const bytes = Buffer.from(zip.buffer, zip.byteOffset, zip.length);
  // The first occurrence of the name is in the entry's local header, which ends 30 bytes in with the name and the extra field.
  const name = bytes.indexOf('damaged.json');
  const data = name + bytes.readUInt16LE(name - 30 + 26) + bytes.readUInt16LE(name - 30 + 28);
  bytes.fill(0xff, data, data + 4); // deflate block type 3: reserved, never valid
  return zip;
}

for (const dialect of testDialects()) {
  describe(`OSV zip import over many batches (${dialect.name})`, () => {
    let database: Database;
    let cleanup: () => Promise<void>;
    let dir: string;
    const clock = { now: () => Date.parse('2026-01-10T00:00:00Z') };

    before(async () => {
      ({ database, cleanup } = await dialect.open());
      dir = mkdtempSync(join(tmpdir(), 'berth-vulndb-zip-'));
    });
    after(async () => {
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it('imports every record of a zip spanning several batches, stored and deflated entries alike, skipping a damaged one', async () => {
      assert.ok(RECORDS > 4 * IMPORT_BATCH);
      const zip = join(dir, 'first.zip');
      writeFileSync(zip, withDamagedEntry());
      const summary = await importPaths(database, [zip], { clock });
      assert.deepEqual([summary.imported, summary.updated, summary.unchanged, summary.invalid], [RECORDS, 0, 0, 1]);
      assert.equal(summary.invalidExamples[0]?.origin, `${zip}:damaged.json`);
      assert.match(summary.invalidExamples[0]?.reason ?? '', /^not inflatable: /);
      const status = await vulnDbStatus(database);
      assert.equal(status.records, RECORDS);
      assert.deepEqual(
        status.ecosystems.map((e) => `${e.ecosystem}=${e.records}`),
        ['Debian:12=834', 'PyPI=833', 'npm=833'],
      );
      const pypi = await createAdvisorySource(database).advisoriesFor('PyPI', ['some-pkg-20']);
      assert.deepEqual(
        pypi.map((a) => a.id),
        Array.from({ length: RECORDS }, (_, i) => i)
          .filter((i) => i % 3 === 1 && i % 40 === 20)
          .map((i) => `BATCH-${i}`),
      );
    });

    it('a second zip replaces exactly the records it has newer, packages and withdrawals included', async () => {
      const zip = join(dir, 'second.zip');
      writeFileSync(
        zip,
        osvZip((i) => i < CHANGED),
      );
      const summary = await importPaths(database, [zip], { clock });
      assert.deepEqual([summary.imported, summary.updated, summary.unchanged, summary.invalid], [0, CHANGED, RECORDS - CHANGED, 0]);

      const withdrawn = Array.from({ length: CHANGED }, (_, i) => i).filter(withdrawnLater).length;
      const status = await vulnDbStatus(database);
      assert.deepEqual([status.records, status.withdrawn], [RECORDS - withdrawn, withdrawn]);

      const source = createAdvisorySource(database);
      const [moved, second, ...others] = await source.advisoriesFor('npm', ['moved-2']);
      assert.equal(others.length, 0);
      assert.deepEqual([second?.id, second?.affected], ['BATCH-2', { ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.1.0' }] }], versions: [] }]);
      assert.deepEqual(
        {
          id: moved?.id,
          aliases: moved?.aliases,
          package: moved?.package,
          affected: moved?.affected,
          summary: moved?.summary,
          severity: moved?.severity,
          preferredCvss: moved?.preferredCvss,
          modified: moved?.modified,
        },
        {
          id: 'BATCH-2',
          aliases: ['CVE-2025-10002'],
          package: 'moved-2',
          affected: { ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0.1' }] }], versions: [] },
          summary: 'record 2 (newer)',
          severity: 'Critical',
          preferredCvss: { score_v3: 9.8, vector_v3: CRITICAL_V3 },
          modified: Date.parse(modified(2, true)),
        },
      );
      // The older copy's package rows went with it; the unchanged half still answers under its names.
      assert.ok(!(await source.advisoriesFor('npm', ['lib-2'])).some((a) => a.id === 'BATCH-2'));
      const kept = (await source.advisoriesFor('npm', ['lib-50'])).find((a) => a.id === 'BATCH-2210');
      assert.equal(kept?.summary, 'record 2210');
      assert.equal(kept?.modified, Date.parse(modified(2210, false)));
      assert.equal(kept?.severity, 'Critical');
      const odd = (await source.advisoriesFor('PyPI', ['Some-Pkg.21'])).find((a) => a.id === 'BATCH-2101');
      assert.deepEqual([odd?.severity, odd?.preferredCvss], ['Unknown', {}]);
      assert.deepEqual(await source.advisoriesFor('npm', ['moved-7']), [], 'withdrawn, so never matched');
      assert.equal((await source.advisoriesFor('npm', ['moved-1249'])).length, 2, 'both packages rows of a newer copy');
    });
  });
}
