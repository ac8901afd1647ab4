/** How far into its allocation a copy buffer starts: one cache line. */
const SKEW = 64;

/**
 * A buffer for bulk copies of blob bytes between the page cache, sockets and the process,
 * starting off a page boundary. Large allocations come page-aligned, and the kernel copies
 * between a file's pages and a user buffer at the same offset within its pages at about a third
 * of the speed it reaches otherwise (each load waits on the store 4096 bytes before it): 256 KiB
 * reads of a cached file measured 1.4 GB/s into a page-aligned buffer and 4.7 GB/s one cache
 * line further on. File reads and writes at block-aligned offsets are the common case.
 */
export function copyBuffer(size: number): Buffer {
  return Buffer.allocUnsafeSlow(size + SKEW).subarray(SKEW);
}

/**
 * Copy buffers of one size, handed back once their bytes are gone and lent out again. A
 * download or upload needs two; without reuse each would be a fresh mapping of its own, paged
 * in afresh and kept until a collection finds it, so a burst of transfers held several times the
 * memory the transfers in flight need. At most `keep` idle buffers stay, and none once the pool
 * has lent nothing for `idleMs`: kept longer, they would only add to what other work needs.
 */
export class CopyBufferPool {
  private idle: Buffer[] = [];
  private lentSinceCheck = false;
  private trimTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly size: number,
    private readonly keep: number,
    private readonly idleMs = 1000,
  ) {}

  /** Buffers waiting to be lent again. */
  get idleCount(): number {
    return this.idle.length;
  }

  take(): Buffer {
    this.lentSinceCheck = true;
    return this.idle.pop() ?? copyBuffer(this.size);
  }

  /**
   * Only for a buffer nothing reads or writes any more: no read into it and no write from it
   * is still in flight. On a failure path, let the collector have it instead.
   */
  give(buffer: Buffer): void {
    if (buffer.length !== this.size || this.idle.length >= this.keep || this.idle.includes(buffer)) return;
    this.idle.push(buffer);
    this.trimWhenIdle();
  }

  private trimWhenIdle(): void {
    if (this.trimTimer) return;
    this.lentSinceCheck = false;
    this.trimTimer = setTimeout(() => {
      this.trimTimer = undefined;
      if (this.lentSinceCheck) return this.trimWhenIdle();
      // Dropped, not freed: the next collection returns their memory.
      this.idle = [];
    }, this.idleMs);
    this.trimTimer.unref();
  }
}

/**
 * The buffers of downloads and uploads: 512 KiB, the size of a file read or write on the blob
 * paths (see storage/filesystem), and as many idle as four transfers use.
 */
export const copyBuffers = new CopyBufferPool(512 * 1024, 8);
