import { Transform, type TransformCallback } from 'node:stream';
import { noteBlobBytes } from '../platform/lib/index.js';
import type { RunningSha256 } from '../platform/native/index.js';

/**
 * While bytes keep arriving, the upload is marked as written this often (by the clock), so no
 * purge takes it mid-stream and its writer keeps holding it (uploads.ts, WRITER_HOLD_MS).
 */
export const TOUCH_EVERY_MS = 10_000;

export interface MeterOptions {
  /** Bytes the body may bring; undefined for no bound. */
  allowance: number | undefined;
  now: () => number;
  /** Marks the upload as being written; called at most every TOUCH_EVERY_MS while data arrives. */
  touch: () => Promise<void>;
  /** Fed every byte passed on (not those swallowed past the allowance): the upload's running digest. */
  hash?: RunningSha256 | undefined;
}

/**
 * Passes an upload's body on, counting it, and hashing it when given a hash: one stage rather
 * than two, since each stage a chunk passes costs callbacks and buffered bytes. Past the
 * allowance it ends what it passes on and swallows the rest of the body instead of failing:
 * the request is read to its end, so the client gets the refusal as an answer rather than a
 * reset connection. `exceeded` then says the write must be discarded.
 */
export class UploadMeter extends Transform {
  private received = 0;
  private lastTouch: number;
  private over = false;

  constructor(private readonly options: MeterOptions) {
    // A small buffer: the writer batches its own writes (writev), and bytes queued here only
    // add to memory, and to what the garbage collector must promote and later sweep.
    super({ highWaterMark: 64 * 1024 });
    this.lastTouch = options.now();
  }

  /** Bytes the body brought, including those swallowed past the allowance. */
  get bytes(): number {
    return this.received;
  }

  get exceeded(): boolean {
    return this.over;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.received += chunk.length;
    noteBlobBytes(chunk.length);
    if (this.over) return callback();
    const { allowance } = this.options;
    if (allowance !== undefined && this.received > allowance) {
      this.over = true;
      this.push(null);
      return callback();
    }
    const now = this.options.now();
    if (now - this.lastTouch >= TOUCH_EVERY_MS) {
      this.lastTouch = now;
      // Best effort: a failed mark only shortens the upload's lease; the write itself goes on.
      this.options.touch().catch(() => undefined);
    }
    const { hash } = this.options;
    // A hash that has fallen behind (it runs off the event loop) holds the body back until it catches up.
    if (hash && !hash.update(chunk)) return void hash.ready().then(() => callback(null, chunk));
    callback(null, chunk);
  }
}
