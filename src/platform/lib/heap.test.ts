import assert from 'node:assert/strict';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { noteBlobBytes } from './heap.js';

/** Minor collections V8 reports while `work` runs. */
async function scavengesDuring(work: () => void): Promise<number> {
  const seen: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => seen.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  work();
  // GC entries are delivered asynchronously.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return seen.filter((entry) => (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR).length;
}

describe('scavenging for blob buffers', () => {
  it('collects the young generation once per 8 MiB of blob bytes, and not for fewer', async () => {
    const few = await scavengesDuring(() => {
      for (let i = 0; i < 10; i++) noteBlobBytes(64 * 1024);
    });
    // At most one the test's own allocations may cause.
    assert.ok(few <= 1, `${few} minor collections for 640 KiB`);
    const many = await scavengesDuring(() => {
      for (let i = 0; i < 40 * 16; i++) noteBlobBytes(64 * 1024);
    });
    // 40 MiB: five collections (part of the first 8 MiB may have been counted before).
    assert.ok(many >= 4, `${many} minor collections for 40 MiB`);
  });
});
