import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WindowCounter } from './window-counter.js';

describe('WindowCounter', () => {
  it('lets `limit` requests of a key pass per window, answers the seconds left after that, and starts afresh when the window ends', () => {
    let now = 1_000_000;
    const counter = new WindowCounter(3, 60_000, 100, () => now);
    for (let i = 0; i < 3; i++) assert.equal(counter.take('a'), undefined);
    assert.equal(counter.take('a'), 60);
    assert.equal(counter.take('b'), undefined, 'another key has a window of its own');
    now += 59_500;
    assert.equal(counter.take('a'), 1);
    now += 500;
    assert.equal(counter.take('a'), undefined);
  });

  it('counts events apart from asking: blockedFor counts nothing, count passes no judgement', () => {
    let now = 0;
    const counter = new WindowCounter(2, 10_000, 100, () => now);
    for (let i = 0; i < 5; i++) assert.equal(counter.blockedFor('ip'), undefined);
    counter.count('ip');
    assert.equal(counter.blockedFor('ip'), undefined);
    counter.count('ip');
    assert.equal(counter.blockedFor('ip'), 10);
    now += 10_000;
    assert.equal(counter.blockedFor('ip'), undefined, 'the window ended');
  });

  it('a limit of 0 counts nothing', () => {
    const counter = new WindowCounter(0, 60_000, 100, () => 0);
    for (let i = 0; i < 1000; i++) assert.equal(counter.take('a'), undefined);
    assert.equal(counter.size, 0);
  });

  it('tracks at most maxKeys keys, and a million distinct keys take linear time', () => {
    let now = 0;
    const counter = new WindowCounter(1, 60_000, 1000, () => now);
    const started = performance.now();
    for (let i = 0; i < 1_000_000; i++) {
      if (i % 1000 === 0) now += 1;
      counter.take(`k${i}`);
      assert.ok(counter.size <= 1000);
    }
    const elapsed = performance.now() - started;
    // Quadratic eviction would take minutes here; linear takes well under a second on a slow machine.
    assert.ok(elapsed < 5_000, `took ${elapsed.toFixed(0)} ms`);
  });
});
