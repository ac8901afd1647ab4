import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Semaphore } from './semaphore.js';

describe('Semaphore', () => {
  it('runs at most its limit at once, the rest in arrival order, and frees a slot when work fails', async () => {
    const semaphore = new Semaphore(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const work = (i: number) =>
      semaphore.run(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        order.push(i);
        if (i === 1) throw new Error('fails');
        return i;
      });
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => work(i)));
    assert.equal(most, 2);
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
    assert.equal(results.filter((r) => r.status === 'rejected').length, 1);
    assert.equal(await semaphore.run(async () => 'free again'), 'free again');
  });
});
