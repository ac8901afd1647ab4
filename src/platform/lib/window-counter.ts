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
    const wait = this.blockedFor(key);
    if (wait === undefined) this.count(key);
    return wait;
  }

  /** The seconds until `key`'s window ends when it has used its limit, else undefined. Counts nothing. */
  blockedFor(key: string): number | undefined {
    if (this.limit <= 0) return undefined;
    const now = this.now();
    const window = this.live(key, now);
    if (!window || window.count < this.limit) return undefined;
    return Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000));
  }

  /** Counts one event of `key` (a failed login, say) without asking whether it may pass. */
  count(key: string): void {
    if (this.limit <= 0) return;
    const now = this.now();
    let window = this.live(key, now);
    if (!window) {
      this.evict(now);
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
  }

  /** Keys tracked now (ended windows may linger until the next new key). */
  get size(): number {
    return this.windows.size;
  }

  /** The key's window while it lasts; an ended one is dropped. */
  private live(key: string, now: number): { start: number; count: number } | undefined {
    const window = this.windows.get(key);
    if (window && window.start + this.windowMs <= now) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
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
