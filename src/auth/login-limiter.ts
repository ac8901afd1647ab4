/**
 * Counts failed logins per client address, in memory: after `maxFailures` within one window
 * the address is refused until the window ends. One instance counts only what it saw, so
 * behind a load balancer each instance allows that many (see README).
 */
export class FailedLoginLimiter {
  private readonly windows = new Map<string, { start: number; failures: number }>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly maxAddresses: number,
    private readonly now: () => number,
  ) {}

  /** Seconds until the address may try again, or undefined when it may try now. */
  retryAfterSeconds(address: string): number | undefined {
    const window = this.current(address);
    if (!window || window.failures < this.maxFailures) return undefined;
    return Math.max(1, Math.ceil((window.start + this.windowMs - this.now()) / 1000));
  }

  recordFailure(address: string): void {
    const window = this.current(address);
    if (window) {
      window.failures += 1;
      return;
    }
    if (this.windows.size >= this.maxAddresses) this.evict();
    this.windows.set(address, { start: this.now(), failures: 1 });
  }

  private current(address: string): { start: number; failures: number } | undefined {
    const window = this.windows.get(address);
    if (window && window.start + this.windowMs <= this.now()) {
      this.windows.delete(address);
      return undefined;
    }
    return window;
  }

  /** Drops ended windows; when every one is live, the oldest go (never the whole table at once). */
  private evict(): void {
    const now = this.now();
    for (const [address, window] of this.windows) if (window.start + this.windowMs <= now) this.windows.delete(address);
    for (const address of this.windows.keys()) {
      if (this.windows.size < this.maxAddresses) break;
      this.windows.delete(address);
    }
  }
}
