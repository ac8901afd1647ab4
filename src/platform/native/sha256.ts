import { createHash, type Hash } from 'node:crypto';
import { CopyBufferPool } from '../lib/index.js';
import { nativeModule, type NativeModule } from './load.js';

/** A SHA-256 fed chunk by chunk, whose digest is read once every chunk is hashed. */
export interface RunningSha256 {
  /** Takes a chunk (the caller may reuse it at once). False: wait for `ready()` before the next. */
  update(chunk: Buffer): boolean;
  /** Resolves once the hash has room for more. */
  ready(): Promise<void>;
  /**
   * Hashes what it holds and gives its slots back, for a hash kept between requests: an upload
   * left unfinished then holds a digest's state, not a slot.
   */
  settle(): Promise<void>;
  /** The digest (hex) of every byte given; the hash takes nothing after. */
  hex(): Promise<string>;
}

/** Bytes per slot: chunks are copied into slots, and each full slot is hashed on the thread pool. */
const SLOT_BYTES = 128 * 1024;
/** Full slots waiting for the thread pool before `update` asks the caller to wait. */
const MAX_WAITING_SLOTS = 2;
/**
 * Slots are lent by one pool and given back once hashed: an upload holds a few while its bytes
 * flow and none after, instead of fresh allocations left for the collector.
 */
const slots = new CopyBufferPool(SLOT_BYTES, 16);

/**
 * Hashes on libuv's thread pool (native/sha256.c), so an upload's SHA-256 does not run on the
 * event loop. Chunks are copied into slots of its own rather than held: a socket's chunks then
 * die as young as they would anyway, and the hash holds a few slots per upload at most. One
 * batch of full slots is hashed at a time, in order; what fills meanwhile goes in the next.
 */
class ThreadPoolSha256 implements RunningSha256 {
  /** Made at the first batch: an upload that never fills a slot is hashed on the event loop, at the end. */
  private handle: object | undefined;
  private current: Buffer | undefined;
  private filled = 0;
  /** Full slots not yet handed to the thread pool (the last may be partly full, at the end). */
  private waiting: { slot: Buffer; length: number }[] = [];
  private running: Promise<void> | undefined;
  private failure: Error | undefined;
  private roomWaiters: (() => void)[] = [];
  private finished = false;

  constructor(private readonly native: NativeModule) {}

  update(chunk: Buffer): boolean {
    let offset = 0;
    while (offset < chunk.length) {
      const slot = (this.current ??= slots.take());
      const copied = chunk.copy(slot, this.filled, offset);
      this.filled += copied;
      offset += copied;
      if (this.filled === slot.length) {
        this.waiting.push({ slot, length: slot.length });
        this.current = undefined;
        this.filled = 0;
      }
    }
    this.dispatch();
    return this.waiting.length < MAX_WAITING_SLOTS;
  }

  ready(): Promise<void> {
    if (this.waiting.length < MAX_WAITING_SLOTS || this.failure) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  async settle(): Promise<void> {
    if (this.current) {
      if (this.filled > 0) this.waiting.push({ slot: this.current, length: this.filled });
      else slots.give(this.current);
    }
    this.current = undefined;
    this.filled = 0;
    this.dispatch();
    while (this.running) await this.running;
  }

  async hex(): Promise<string> {
    if (this.finished) throw new Error('the hash is finished: its digest was read');
    this.finished = true;
    // Never more than one slot: a thread pool round trip would cost more than hashing it here.
    if (!this.handle && this.waiting.length === 0) {
      const hash = createHash('sha256');
      if (this.current) {
        hash.update(this.current.subarray(0, this.filled));
        slots.give(this.current);
        this.current = undefined;
        this.filled = 0;
      }
      return hash.digest('hex');
    }
    await this.settle();
    if (this.failure) throw this.failure;
    if (!this.handle) throw new Error('no bytes were hashed');
    return this.native.sha256Final(this.handle);
  }

  /** Hands every waiting slot to the thread pool as one batch, unless a batch runs already. */
  private dispatch(): void {
    if (this.running || this.waiting.length === 0 || this.failure) return;
    const batch = this.waiting;
    this.waiting = [];
    const handle = (this.handle ??= this.native.sha256Create());
    this.running = new Promise<void>((resolve) => {
      const buffers = batch.map(({ slot, length }) => (length === slot.length ? slot : slot.subarray(0, length)));
      this.native.sha256Update(handle, buffers, (err) => {
        this.running = undefined;
        if (err) this.failure = err;
        // The thread pool has read them: they may be lent again.
        for (const { slot } of batch) slots.give(slot);
        this.dispatch();
        for (const wake of this.roomWaiters.splice(0)) wake();
        resolve();
      });
    });
  }
}

/** The same, hashed on the event loop, where the native module was not built. */
class EventLoopSha256 implements RunningSha256 {
  private readonly hash: Hash = createHash('sha256');

  update(chunk: Buffer): boolean {
    this.hash.update(chunk);
    return true;
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  settle(): Promise<void> {
    return Promise.resolve();
  }

  hex(): Promise<string> {
    return Promise.resolve(this.hash.digest('hex'));
  }
}

/** A running SHA-256: off the event loop where the native module is built and `offLoop` holds. */
export function runningSha256(offLoop = true): RunningSha256 {
  const native = offLoop ? nativeModule() : null;
  return native ? new ThreadPoolSha256(native) : new EventLoopSha256();
}
