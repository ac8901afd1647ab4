import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { nativeModule, runningSha256, type RunningSha256 } from './index.js';

const built = nativeModule() !== null;
// CI builds the module (npm ci runs native/build.mjs): there, its absence is a failure, not a skip.
if (!built && process.env.CI === 'true') throw new Error('CI=true but the native module is not built (build/Release/berth_native.node)');
if (!built) console.log('# the native module is not built here: only the event-loop SHA-256 is tested');

const expected = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Feeds `data` in chunks of the given sizes (cycled), waiting whenever the hash asks to. */
async function feed(hash: RunningSha256, data: Buffer, sizes: number[]): Promise<{ waits: number }> {
  let offset = 0;
  let waits = 0;
  for (let i = 0; offset < data.length; i++) {
    const size = sizes[i % sizes.length] as number;
    // The caller may reuse a chunk as soon as update returns: overwrite it to prove nothing was kept.
    const chunk = Buffer.from(data.subarray(offset, offset + size));
    offset += chunk.length;
    const room = hash.update(chunk);
    chunk.fill(0xa5);
    if (!room) {
      waits++;
      await hash.ready();
    }
  }
  return { waits };
}

for (const offLoop of built ? [true, false] : [false]) {
  describe(`running SHA-256 (${offLoop ? 'thread pool' : 'event loop'})`, () => {
    it('gives the digest of the empty input', async () => {
      assert.equal(await runningSha256(offLoop).hex(), expected(Buffer.alloc(0)));
    });

    it('gives the digest of inputs around one slot (128 KiB), hashed at the end or on the way', async () => {
      for (const length of [1, 128 * 1024 - 1, 128 * 1024, 128 * 1024 + 1, 256 * 1024]) {
        const data = randomBytes(length);
        const hash = runningSha256(offLoop);
        await feed(hash, data, [10_000]);
        assert.equal(await hash.hex(), expected(data), `${length} bytes`);
      }
    });

    it('gives the same digest as node:crypto whatever the chunk sizes', async () => {
      const data = randomBytes(3 * 1024 * 1024 + 77);
      for (const sizes of [[1, 7, 65536], [65536], [128 * 1024], [128 * 1024 + 1, 3], [1024 * 1024]]) {
        const hash = runningSha256(offLoop);
        await feed(hash, data, sizes);
        assert.equal(await hash.hex(), expected(data), `chunks of ${sizes.join(', ')}`);
      }
    });

    it('gives the same digest when settled between requests, as an upload in chunks is', async () => {
      const data = randomBytes(700 * 1024 + 3);
      // Cut points inside a slot, on a slot boundary, and right at the start.
      const cuts = [0, 1000, 128 * 1024, 300 * 1024 + 7, data.length];
      const hash = runningSha256(offLoop);
      for (let i = 0; i + 1 < cuts.length; i++) {
        await feed(hash, data.subarray(cuts[i], cuts[i + 1]), [65536]);
        await hash.settle();
      }
      assert.equal(await hash.hex(), expected(data));
      const small = runningSha256(offLoop);
      await small.settle();
      small.update(Buffer.from('abc'));
      await small.settle();
      assert.equal(await small.hex(), expected(Buffer.from('abc')));
    });

    it('keeps several hashes apart while they run at once', async () => {
      const inputs = Array.from({ length: 6 }, (_, i) => randomBytes(1024 * 1024 + i * 4099));
      const digests = await Promise.all(
        inputs.map(async (data, i) => {
          const hash = runningSha256(offLoop);
          await feed(hash, data, [4096 * (i + 1), 65536]);
          return hash.hex();
        }),
      );
      digests.forEach((digest, i) => assert.equal(digest, expected(inputs[i] as Buffer), `hash ${i}`));
    });
  });
}

describe('running SHA-256 on the thread pool', { skip: !built }, () => {
  it('asks a caller that outruns it to wait, so what it holds stays bounded', async () => {
    const data = randomBytes(8 * 1024 * 1024);
    const hash = runningSha256(true);
    let refused = 0;
    // Given 8 MiB at once, without waiting: it must say it is behind.
    for (let offset = 0; offset < data.length; offset += 512 * 1024) if (!hash.update(data.subarray(offset, offset + 512 * 1024))) refused++;
    assert.ok(refused > 0, 'update says when the hash has fallen behind');
    assert.equal(await hash.hex(), expected(data));
  });

  it('takes nothing once its digest is read', async () => {
    const hash = runningSha256(true);
    hash.update(Buffer.from('abc'));
    assert.equal(await hash.hex(), expected(Buffer.from('abc')));
    hash.update(Buffer.from('d'));
    await assert.rejects(hash.hex(), /finished/);
  });
});
