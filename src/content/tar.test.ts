import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { tar } from '../artifacts/fixtures.suite.js';
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
