import type { FileHandle } from 'node:fs/promises';
import { ServerResponse } from 'node:http';
import { Readable, type Writable } from 'node:stream';
import { copyBuffer, copyBuffers, noteBlobBytes } from '../../lib/index.js';
import { flushHeaders, sendFileRange, sendfileTarget } from './sendfile.js';

/** Bytes per read when a stream is consumed chunk by chunk (each chunk a fresh buffer its reader may keep). */
const READ_CHUNK = 1024 * 1024;
/**
 * Bytes per read when the stream writes into an HTTP response itself: two such buffers per
 * response, reused. Each read is a round trip through libuv's thread pool, which costs more than
 * the copy: a GiB sent from a cached file over loopback took 1.2–1.3 s of CPU in 256 KiB reads,
 * 0.8–0.9 s in 512 KiB (0.7 s in 1 MiB, for twice the memory).
 */
const RESPONSE_CHUNK = copyBuffers.size;

/**
 * A byte range of a file as a stream. Piped into an HTTP response (as the registry does with
 * blob downloads), it reads into two buffers of its own and reuses each once the socket has
 * taken its bytes: a download of any size allocates 512 KiB, not a fresh buffer per read that
 * the garbage collector and malloc must then reclaim. Read any other way (data events, async
 * iteration, a pipe into anything else), it hands out fresh buffers as any file stream does,
 * since such a reader may keep what it is given.
 */
export class FileRangeStream extends Readable {
  private position: number;
  private remaining: number;
  private handedOff = false;

  /**
   * `end` is exclusive; the stream owns `handle` and closes it once. With `sendfile`, a pipe
   * into a plain HTTP response lets the kernel move the bytes (./sendfile.ts) where it can.
   */
  constructor(
    private readonly handle: FileHandle,
    start: number,
    end: number,
    private readonly sendfile = false,
  ) {
    super({ highWaterMark: READ_CHUNK });
    this.position = start;
    this.remaining = Math.max(0, end - start);
  }

  override _read(): void {
    if (this.handedOff) return;
    if (this.remaining === 0) return void this.push(null);
    const buffer = copyBuffer(Math.min(READ_CHUNK, this.remaining));
    this.readInto(buffer).then(
      (bytes) => {
        // Each read fills a fresh buffer: counted, so they are scavenged while few (platform/lib/heap.ts).
        noteBlobBytes(bytes);
        this.push(bytes === buffer.length ? buffer : buffer.subarray(0, bytes));
      },
      (err: Error) => this.destroy(err),
    );
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.handle.close().then(
      () => callback(err),
      (closeErr: Error) => callback(err ?? closeErr),
    );
  }

  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    const fresh = this.readableFlowing === null && this.readableLength === 0 && !this.destroyed && !this.handedOff;
    if (!(destination instanceof ServerResponse) || !fresh || options?.end === false) return super.pipe(destination, options);
    this.handedOff = true;
    this.sendInto(destination).then(
      () => {
        destination.end();
        // Ends this stream the way a pipe would have: 'end', then 'close' (autoDestroy closes the file).
        this.push(null);
        this.resume();
      },
      (err: Error) => {
        this.destroy(err);
        if (!destination.destroyed) destination.destroy(err);
      },
    );
    return destination;
  }

  /** Reads the next bytes of the range into `buffer`; a file shorter than its range is an error, not a short blob. */
  private async readInto(buffer: Buffer): Promise<number> {
    const want = Math.min(buffer.length, this.remaining);
    const { bytesRead } = await this.handle.read(buffer, 0, want, this.position);
    if (bytesRead === 0) throw new Error('file ended before the requested range');
    this.position += bytesRead;
    this.remaining -= bytesRead;
    return bytesRead;
  }

  /** Sends the range by sendfile where the response allows it, else copies it through buffers. */
  private async sendInto(response: ServerResponse): Promise<void> {
    const target = this.sendfile ? sendfileTarget(response, this.remaining) : undefined;
    if (!target) return this.writeInto(response);
    const gone = closedEarly(response);
    try {
      await Promise.race([flushHeaders(response, target.socket), gone.promise]);
      if (this.destroyed) throw new Error('the blob stream was destroyed before the response was complete');
      const transfer = sendFileRange(target, this.handle.fd, this.position, this.remaining);
      if (!transfer) return await this.writeInto(response);
      // The client went away, or the server is closing its connections: the thread stops now.
      response.once('close', transfer.cancel);
      try {
        const sent = await transfer.done;
        this.position += sent;
        this.remaining -= sent;
      } finally {
        response.off('close', transfer.cancel);
      }
    } finally {
      gone.dispose();
    }
  }

  /**
   * Reads into two buffers in turn and writes each to the response; a buffer is read into again
   * only after the write that used it has called back, i.e. after the socket (or TLS) took a copy.
   */
  private async writeInto(response: ServerResponse): Promise<void> {
    // Two slots in turn: while one buffer's bytes go out, the next read fills the other. A range
    // smaller than a chunk gets buffers of its own size; larger ones borrow from the shared pool.
    const pooled = this.remaining >= RESPONSE_CHUNK;
    const take = () => (pooled ? copyBuffers.take() : copyBuffer(this.remaining));
    let slot = { buffer: take(), written: Promise.resolve() };
    let other = { buffer: take(), written: Promise.resolve() };
    const gone = closedEarly(response);
    try {
      while (this.remaining > 0) {
        await Promise.race([slot.written, gone.promise]);
        // Destroyed by its owner mid-copy: the response must not end as if the body were whole.
        if (this.destroyed) throw new Error('the blob stream was destroyed before the response was complete');
        const bytes = await this.readInto(slot.buffer);
        slot.written = writeChunk(response, bytes === slot.buffer.length ? slot.buffer : slot.buffer.subarray(0, bytes));
        // A failed write is reported by the wait for this slot's next turn, or by the last wait below.
        slot.written.catch(() => undefined);
        [slot, other] = [other, slot];
      }
      await Promise.race([Promise.all([slot.written, other.written]), gone.promise]);
      // Both writes called back: the socket holds its own copy of every byte. After a failure a
      // write may still hold a buffer, so only this path gives them back.
      if (pooled) for (const { buffer } of [slot, other]) copyBuffers.give(buffer);
    } finally {
      gone.dispose();
    }
  }
}

function writeChunk(destination: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    destination.write(chunk, (err) => (err ? reject(err) : resolve()));
  });
}

/** Rejects when the response closes before it has finished (the client went away). */
function closedEarly(response: ServerResponse): { promise: Promise<never>; dispose: () => void } {
  let onClose: () => void = () => undefined;
  const promise = new Promise<never>((_resolve, reject) => {
    onClose = () => {
      if (!response.writableFinished) reject(new Error('the client closed the connection'));
    };
    response.once('close', onClose);
  });
  promise.catch(() => undefined);
  return { promise, dispose: () => response.off('close', onClose) };
}
