import type { Readable } from 'node:stream';
import type { FileWriter } from '../driver.js';
import type { Bucket, StoredObject } from './bucket.js';
import { segmentKey, segmentPrefix, sequenceOf, totalSize } from './segments.js';
import { ObjectUpload } from './upload.js';

/**
 * Appends to an object kept as segments (see segments.ts): the bytes of this writer go to one
 * new segment, streamed in parts, that becomes visible when the writer closes. Until then the
 * object is what it was, so a writer that dies mid-way leaves the object as the last one left it.
 */
export class S3Writer implements FileWriter {
  private session: ObjectUpload | undefined;

  constructor(
    private readonly bucket: Bucket,
    private readonly key: string,
    private segments: StoredObject[],
    /** Size of a plain object at the key, which becomes the first segment before anything is added. */
    private plain: number | undefined,
  ) {}

  get size(): number {
    return this.stored() + (this.session?.size ?? 0);
  }

  private stored(): number {
    return this.plain ?? totalSize(this.segments);
  }

  private nextKey(): string {
    const last = this.segments.at(-1);
    return segmentKey(this.key, last ? sequenceOf(last) + 1 : 1);
  }

  /** A plain object appended to becomes segment 1 (server-side copy); segments left under it are stale. */
  private async adoptPlain(): Promise<void> {
    if (this.plain === undefined) return;
    await this.bucket.deletePrefix(segmentPrefix(this.key));
    const first = segmentKey(this.key, 1);
    await this.bucket.copy(this.key, first, this.plain);
    await this.bucket.deleteKey(this.key);
    this.segments = [{ key: first, size: this.plain }];
    this.plain = undefined;
  }

  async write(source: Readable): Promise<number> {
    await this.adoptPlain();
    this.session ??= new ObjectUpload(this.bucket.s3, this.nextKey());
    // Bytes that arrived before the source failed stay in the session and are stored on close.
    for await (const chunk of source) await this.session.add(chunk as Buffer);
    return this.size;
  }

  private async endSession(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    if (session.size === 0) return session.abort();
    await session.finish();
    this.segments.push({ key: session.key, size: session.size });
  }

  async close(): Promise<void> {
    await this.endSession();
    // As a file opened for writing does, the object exists once a writer closed, even empty.
    if (this.plain === undefined && this.segments.length === 0) {
      const empty = new ObjectUpload(this.bucket.s3, this.nextKey());
      await empty.finish();
      this.segments.push({ key: empty.key, size: 0 });
    }
  }

  /** A completed multipart upload or PutObject is durable: committing is closing. */
  commit(): Promise<void> {
    return this.close();
  }

  async truncate(size: number): Promise<void> {
    if (size > this.size) throw new Error(`cannot truncate ${this.key} to ${size} bytes: it has ${this.size}`);
    const stored = this.stored();
    // The common case: the bytes to take back are still in memory.
    if (this.session && size >= stored + this.session.sent) return this.session.trim(size - stored);
    await this.endSession();
    await this.adoptPlain();
    let start = 0;
    const kept: StoredObject[] = [];
    const dropped: StoredObject[] = [];
    for (const segment of this.segments) {
      (start < size ? kept : dropped).push(segment);
      start += segment.size;
    }
    // Whole segments past the cut go first: a crash in between leaves a shorter object, never a doubled one.
    for (const segment of dropped) await this.bucket.deleteKey(segment.key);
    this.segments = kept;
    const last = kept.at(-1);
    const keep = last ? size - (totalSize(kept) - last.size) : 0;
    if (last && keep < last.size) {
      // Rewritten in place: the new version replaces the old atomically when it completes.
      const prefix = await this.bucket.get(last.key, 0, keep);
      if (!prefix) throw new Error(`segment ${last.key} vanished while it was cut`);
      await this.bucket.stream(last.key, prefix);
      last.size = keep;
    }
  }
}
