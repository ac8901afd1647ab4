/**
 * Counts requests per key in fixed windows: the first request of a key opens a window of
 * `windowMs`, and within it at most `limit` pass. Memory is bounded by `maxKeys`; each request
 * costs O(1) amortized, eviction included (see `evict`).
 */
export class WindowCounter {
  /** In insertion order, which is the order windows opened: the oldest come first. */
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys: number,
    private readonly now: () => number,
  ) {}

  /** Counts one request of `key`: undefined when it may pass, else the seconds until its window ends. A limit of 0 lets everything pass. */
  take(key: string): number | undefined {
    if (this.limit <= 0) return undefined;
    const now = this.now();
    let window = this.windows.get(key);
    if (window && window.start + this.windowMs <= now) {
      this.windows.delete(key);
      window = undefined;
    }
    if (!window) {
      this.evict(now);
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    if (window.count >= this.limit) return Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000));
    window.count += 1;
    return undefined;
  }

  /** Keys tracked now (ended windows may linger until the next new key). */
  get size(): number {
    return this.windows.size;
  }

  /**
   * Drops ended windows from the front, and when the table is full the oldest live ones too
   * (their keys start afresh). Stops at the first live window once there is room, so every
   * window is dropped at most once: the whole work is linear in the requests counted.
   */
  private evict(now: number): void {
    for (const [key, window] of this.windows) {
      if (window.start + this.windowMs > now && this.windows.size < this.maxKeys) break;
      this.windows.delete(key);
    }
  }
}
