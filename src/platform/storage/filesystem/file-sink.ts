import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { copyBuffers } from '../../lib/index.js';

/** Bytes per file write, but for a first chunk written as it is; two such buffers per upload, reused. */
export const BATCH_BYTES = copyBuffers.size;

/**
 * A Writable that appends to an open file in writes of {@link BATCH_BYTES}. A socket hands an
 * upload over in chunks of 64 KiB at most, and each write to the file is a round trip through
 * libuv's thread pool that costs more than copying the chunk (measured: 512 MiB written in
 * 64 KiB writes took 0.9–1.4 s of CPU, in 512 KiB writes 0.3 s). So chunks are copied into one of
 * two buffers of its own and released at once; a full buffer is written while the other fills.
 * The socket's buffers then die young and cost a scavenge, instead of waiting on the disk long
 * enough to be promoted and paid for by a major collection. The buffers are made when first
 * needed; a first chunk that finds the disk free is written as it is, so an upload of one chunk
 * makes none.
 *
 * A chunk written as it is may be held until its write ends, after its callback: as a pipe's
 * destination the sink owns what its source pushed, and no source of an upload reuses a
 * chunk's memory. It does not close the handle: the writer it serves outlives a failed source.
 */
export class FileSink extends Writable {
  /** Gathers what arrives while a write runs. */
  private current: Buffer | undefined;
  /** The other buffer: being written, or free. */
  private spare: Buffer | undefined;
  private filled = 0;
  /** The write running now, if any; it never rejects: a failure is kept in `failure`. */
  private writing: Promise<void> | undefined;
  private failure: Error | undefined;
  /** Whether a chunk was taken yet: only the first may be written as it is. */
  private started = false;
  /** Set once the stream ends or fails: what gathered is written without waiting for a full buffer. */
  private ending = false;

  constructor(
    private readonly handle: FileHandle,
    private readonly onWritten: (bytes: number) => void,
  ) {
    // Chunks wait in the sink's own buffers, copied, not in the stream's queue.
    super({ highWaterMark: 64 * 1024 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.absorb(chunk).then(() => callback(this.failure), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.settled().then(() => callback(this.failure), callback);
  }

  /**
   * The source failed (or the client went away): what already arrived is written still, so an
   * upload resumes from every byte it was sent, as with an unbuffered write.
   */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.settled().then(
      () => callback(error),
      () => callback(error),
    );
  }

  /** Resolves once everything absorbed is written (or a write failed: see `failure`). */
  async settled(): Promise<void> {
    this.ending = true;
    this.startWrite(true);
    // Each write that ends starts the next with what gathered meanwhile, full or not (`ending`).
    while (this.writing) await this.writing;
  }

  /**
   * Gives the sink's buffers back to the shared pool, once its stream finished whole and
   * `settled` resolved: no write runs and none can start. Not after a failure, when a chunk
   * may still be on its way in.
   */
  release(): void {
    if (this.writing || this.filled !== 0) return;
    for (const buffer of [this.current, this.spare]) if (buffer) copyBuffers.give(buffer);
    this.current = this.spare = undefined;
  }

  private async absorb(chunk: Buffer): Promise<void> {
    const first = !this.started;
    this.started = true;
    if (!this.writing && this.filled === 0 && (first || chunk.length >= BATCH_BYTES)) {
      if (!this.failure && !this.destroyed) this.launch(chunk, chunk.length);
      return;
    }
    let offset = 0;
    // Once destroyed, nothing more is taken: what the owner reads as the file's size afterwards stays its size.
    while (offset < chunk.length && !this.failure && !this.destroyed) {
      const current = (this.current ??= copyBuffers.take());
      if (this.filled === current.length) {
        // Both buffers are taken: wait for the disk.
        while (this.writing) await this.writing;
        this.startWrite(true);
        continue;
      }
      const copied = chunk.copy(current, this.filled, offset);
      this.filled += copied;
      offset += copied;
    }
    this.startWrite(false);
  }

  /**
   * Writes what `current` holds if the disk is free and the buffer is full (or `partial`: the
   * stream is ending), and goes on with what gathers meanwhile.
   */
  private startWrite(partial: boolean): void {
    if (this.writing || this.filled === 0 || this.failure || !this.current) return;
    if (!partial && this.filled < this.current.length) return;
    const full = this.current;
    const length = this.filled;
    this.current = this.spare;
    this.spare = full;
    this.filled = 0;
    this.launch(full, length);
  }

  private launch(buffer: Buffer, length: number): void {
    this.writing = writeAll(this.handle, buffer, length).then(
      () => {
        this.writing = undefined;
        this.onWritten(length);
        this.startWrite(this.ending);
      },
      (err: Error) => {
        this.writing = undefined;
        this.failure = err;
      },
    );
  }
}

/** Writes `length` bytes of `buffer` at the file's end, however many calls it takes. */
async function writeAll(handle: FileHandle, buffer: Buffer, length: number): Promise<void> {
  let offset = 0;
  while (offset < length) {
    const { bytesWritten } = await handle.write(buffer, offset, length - offset);
    offset += bytesWritten;
  }
}
