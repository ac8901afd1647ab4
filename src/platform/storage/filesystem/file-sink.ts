import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/** Bytes per file write at most; two such buffers per upload, reused. */
const BATCH_BYTES = 256 * 1024;

/**
 * A Writable that appends to an open file. A chunk that finds the disk free is written as it
 * is; chunks that arrive while a write runs are copied into one of two buffers of its own and
 * released at once, and what gathered is written as soon as the disk is free. The socket's
 * buffers then die young and cost a scavenge, instead of waiting on the disk long enough to be
 * promoted and paid for by a major collection. The buffers are made when first needed, so a
 * small upload makes none, and a slow stream still reaches the disk chunk by chunk.
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

  constructor(
    private readonly handle: FileHandle,
    private readonly onWritten: (bytes: number) => void,
  ) {
    super({ highWaterMark: BATCH_BYTES });
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
    this.startWrite();
    while (this.writing) await this.writing;
  }

  private async absorb(chunk: Buffer): Promise<void> {
    if (!this.writing && this.filled === 0) {
      if (!this.failure && !this.destroyed) this.launch(chunk, chunk.length);
      return;
    }
    let offset = 0;
    // Once destroyed, nothing more is taken: what the owner reads as the file's size afterwards stays its size.
    while (offset < chunk.length && !this.failure && !this.destroyed) {
      const current = (this.current ??= Buffer.allocUnsafeSlow(BATCH_BYTES));
      if (this.filled === current.length) {
        // Both buffers are taken: wait for the disk.
        while (this.writing) await this.writing;
        this.startWrite();
        continue;
      }
      const copied = chunk.copy(current, this.filled, offset);
      this.filled += copied;
      offset += copied;
    }
    this.startWrite();
  }

  /** Writes what `current` holds if the disk is free, and goes on with what gathers meanwhile. */
  private startWrite(): void {
    if (this.writing || this.filled === 0 || this.failure || !this.current) return;
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
        this.startWrite();
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
