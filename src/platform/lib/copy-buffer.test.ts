import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CopyBufferPool } from './copy-buffer.js';

describe('copy buffer pool', () => {
  it('lends a buffer given back instead of a new one, and keeps no more idle than it may', () => {
    const pool = new CopyBufferPool(4096, 2);
    const [a, b, c] = [pool.take(), pool.take(), pool.take()];
    pool.give(a);
    pool.give(b);
    pool.give(c);
    pool.give(a);
    assert.equal(pool.idleCount, 2, 'at most `keep`, and a buffer given twice counts once');
    const lent = [pool.take(), pool.take()];
    assert.deepEqual(new Set(lent), new Set([a, b]));
    assert.notEqual(lent[0], lent[1]);
    assert.ok(pool.take() !== a && pool.take() !== b, 'once the idle ones are out, fresh ones');
  });

  it('refuses a buffer of another size', () => {
    const pool = new CopyBufferPool(4096, 2);
    pool.give(Buffer.alloc(100));
    assert.equal(pool.idleCount, 0);
  });

  it('drops its idle buffers once it has lent none for a while, and keeps them while it lends', async () => {
    const pool = new CopyBufferPool(4096, 4, 200);
    const kept = pool.take();
    pool.give(kept);
    for (let i = 0; i < 15; i++) {
      await sleep(20);
      const lent = pool.take();
      assert.equal(lent, kept, `still the same buffer after ${(i + 1) * 20} ms of lending`);
      pool.give(lent);
    }
    await sleep(600);
    assert.equal(pool.idleCount, 0);
    assert.notEqual(pool.take(), kept);
  });
});
