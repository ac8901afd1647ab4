import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, describe, it } from 'node:test';
import { copyBuffers } from '../../lib/index.js';
import { BATCH_BYTES, FileSink } from './file-sink.js';

describe('file sink', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-sink-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Chunks of every size from 1 byte to past two batches, in an order that crosses every batch edge. */
  function chunks(): Buffer[] {
    const sizes = [1, 7, 65536, BATCH_BYTES - 1, BATCH_BYTES, BATCH_BYTES + 1, 2_400_000, 3, 131072, 2 * BATCH_BYTES, 99999, 1];
    return sizes.map((n) => randomBytes(n));
  }

  it('writes every byte, in order, whatever the sizes of the chunks it is given', async () => {
    const path = join(dir, 'all');
    const handle = await open(path, 'w');
    const given = chunks();
    let reported = 0;
    await pipeline(Readable.from(given), new FileSink(handle, (bytes) => (reported += bytes)));
    await handle.close();
    const expected = Buffer.concat(given);
    assert.ok(readFileSync(path).equals(expected));
    assert.equal(reported, expected.length);
  });

  it('after its source fails, the file holds a prefix of what was sent, and stops growing once the sink is settled', async () => {
    const path = join(dir, 'cut');
    const handle = await open(path, 'w');
    const given = chunks();
    async function* failing() {
      yield* given.slice(0, 6);
      throw new Error('connection reset');
    }
    const sink = new FileSink(handle, () => undefined);
    await assert.rejects(pipeline(Readable.from(failing()), sink), /connection reset/);
    await sink.settled();
    const kept = readFileSync(path);
    assert.ok(kept.length > 0);
    assert.ok(kept.equals(Buffer.concat(given).subarray(0, kept.length)), 'a prefix, in order');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(readFileSync(path).length, kept.length);
    await handle.close();
  });

  it('shares its buffers with the next sinks once its stream is whole, and files written one after another keep their own bytes', async () => {
    const files = ['first', 'second', 'third'].map((name) => ({ path: join(dir, name), given: chunks() }));
    for (const file of files) {
      const handle = await open(file.path, 'w');
      const sink = new FileSink(handle, () => undefined);
      await pipeline(Readable.from(file.given), sink);
      await sink.settled();
      sink.release();
      await handle.close();
      assert.ok(copyBuffers.idleCount >= 2, 'both buffers are back in the pool');
    }
    for (const file of files) assert.ok(readFileSync(file.path).equals(Buffer.concat(file.given)), file.path);
  });
});
