import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { tar, tarOf } from '../artifacts/fixtures.suite.js';
import { readTarEntries, TarTooLargeError } from './tar.js';

/** Feeds the archive in awkward pieces, as gunzip hands them over. */
function chunked(data: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return Readable.from(parts);
}

describe('tar reader', () => {
  const archive = tar({ 'c/a.txt': 'alpha', 'c/empty': '', 'c/big.txt': 'x'.repeat(1500), 'c/z.txt': 'zulu' });
  const limits = { maxEntryBytes: 4096, maxTotalBytes: 1 << 20 };

  it('finds the wanted files, whatever the chunking', async () => {
    for (const size of [1, 7, 512, 100_000]) {
      const entries = await readTarEntries(chunked(archive, size), (n) => n !== 'c/big.txt', limits);
      assert.deepEqual(
        entries.map((e) => [e.name, e.data.toString()]),
        [
          ['c/a.txt', 'alpha'],
          ['c/empty', ''],
          ['c/z.txt', 'zulu'],
        ],
        `chunks of ${size}`,
      );
    }
  });

  it('with firstOnly, stops at the first wanted file and reads no further', async () => {
    const hostile = tarOf([['c/values.yaml', 'first'], ...Array.from({ length: 50 }, () => ['c/values.yaml', 'x'.repeat(100_000)] as const)]);
    let pulled = 0;
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < hostile.length; i += 4096) {
          pulled += 4096;
          yield hostile.subarray(i, i + 4096);
        }
      })(),
    );
    const entries = await readTarEntries(source, (n) => n === 'c/values.yaml', { ...limits, firstOnly: true });
    assert.deepEqual(
      entries.map((e) => e.data.toString()),
      ['first'],
    );
    assert.ok(pulled < 64 * 1024, `read ${pulled} bytes of a ${hostile.length}-byte archive`);
  });

  it('refuses an entry or an archive over the limits', async () => {
    await assert.rejects(
      readTarEntries(chunked(archive, 512), () => true, { maxEntryBytes: 1000, maxTotalBytes: 1 << 20 }),
      TarTooLargeError,
    );
    await assert.rejects(
      readTarEntries(chunked(archive, 512), () => true, { maxEntryBytes: 4096, maxTotalBytes: 1024 }),
      TarTooLargeError,
    );
  });
});
