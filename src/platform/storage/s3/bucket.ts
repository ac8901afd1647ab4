import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  UploadPartCopyCommand,
  AbortMultipartUploadCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { MIN_PART_SIZE, MiB, ObjectUpload, type S3Context } from './upload.js';

/** A stored object: its key and size. */
export interface StoredObject {
  key: string;
  size: number;
}

/** CopyObject copies at most 5 GiB; larger objects are copied part by part (UploadPartCopy). */
const MAX_COPY_OBJECT = 5 * 1024 * MiB;
/** DeleteObjects takes at most this many keys. */
const DELETE_BATCH = 1000;
/** Parts of a copy above 5 GiB are about this big. */
const COPY_PART_SIZE = 1024 * MiB;
/** S3 takes at most this many parts in one upload. */
const MAX_PARTS = 10_000;
/** UploadPartCopy requests of one join in flight at once. */
const PARALLEL_COPIES = 4;

interface CopyRange {
  key: string;
  /** `bytes=first-last` of the source, or undefined for all of it. */
  bytes: string | undefined;
}

/**
 * The parts of a join: each source whole, or cut into even ranges of about COPY_PART_SIZE when it
 * is larger than a part may be (even, so that no range but the very last is below 5 MiB).
 */
export function copyRanges(sources: readonly StoredObject[]): CopyRange[] {
  const ranges: CopyRange[] = [];
  for (const { key, size } of sources) {
    if (size <= MAX_COPY_OBJECT) {
      ranges.push({ key, bytes: undefined });
      continue;
    }
    const count = Math.ceil(size / COPY_PART_SIZE);
    for (let i = 0; i < count; i++) {
      const start = Math.floor((size * i) / count);
      const end = Math.floor((size * (i + 1)) / count) - 1;
      ranges.push({ key, bytes: `bytes=${start}-${end}` });
    }
  }
  return ranges;
}

/**
 * Whether the objects can be joined server-side (`Bucket.join`): every one but the last at least
 * S3's 5 MiB minimum part size, none empty, and no more parts than S3 allows.
 */
export function joinable(sources: readonly StoredObject[]): boolean {
  if (sources.length === 0 || sources.some((s, i) => s.size === 0 || (i < sources.length - 1 && s.size < MIN_PART_SIZE))) return false;
  return sources.reduce((parts, s) => parts + (s.size <= MAX_COPY_OBJECT ? 1 : Math.ceil(s.size / COPY_PART_SIZE)), 0) <= MAX_PARTS;
}

function status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

export function isMissing(err: unknown): boolean {
  const name = (err as { name?: string }).name;
  return name === 'NotFound' || name === 'NoSuchKey' || status(err) === 404;
}

function isUnsatisfiableRange(err: unknown): boolean {
  return (err as { name?: string }).name === 'InvalidRange' || status(err) === 416;
}

/** Object operations on keys (no path checks, no prefix: the driver adds those). */
export class Bucket {
  constructor(readonly s3: S3Context) {}

  private get bucket(): string {
    return this.s3.bucket;
  }

  async head(key: string): Promise<number | undefined> {
    try {
      const out = await this.s3.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.ContentLength ?? 0;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  /** The object's bytes from `offset`, `length` of them or to the end; undefined when there is no object. */
  async get(key: string, offset: number, length: number | undefined): Promise<Readable | undefined> {
    if (length === 0) return (await this.head(key)) === undefined ? undefined : Readable.from([]);
    const Range = offset === 0 && length === undefined ? undefined : `bytes=${offset}-${length === undefined ? '' : offset + length - 1}`;
    try {
      const out = await this.s3.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range }));
      return out.Body as Readable;
    } catch (err) {
      if (isMissing(err)) return undefined;
      // A range starting at the end of an object names no byte: that is an empty read.
      if (isUnsatisfiableRange(err)) return Readable.from([]);
      throw err;
    }
  }

  /** Every object under the prefix, in key order. */
  async *list(prefix: string): AsyncGenerator<StoredObject[]> {
    let ContinuationToken: string | undefined;
    do {
      const page = await this.s3.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken }));
      yield (page.Contents ?? []).map((o) => ({ key: o.Key ?? '', size: o.Size ?? 0 }));
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async listAll(prefix: string): Promise<StoredObject[]> {
    const all: StoredObject[] = [];
    for await (const page of this.list(prefix)) all.push(...page);
    return all;
  }

  async deleteKey(key: string): Promise<void> {
    await this.s3.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /** Deletes every object under the prefix, a list page (at most 1,000 keys) per DeleteObjects. */
  async deletePrefix(prefix: string): Promise<void> {
    for await (const page of this.list(prefix)) await this.deleteKeys(page.map((o) => o.key));
  }

  /** Deletes the keys, at most 1,000 per DeleteObjects (S3's bound). */
  async deleteKeys(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const out = await this.s3.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
      const failed = out.Errors ?? [];
      const first = failed.at(0);
      if (first) throw new Error(`could not delete ${failed.length} objects (${first.Key ?? ''}): ${first.Code ?? ''} ${first.Message ?? ''}`);
    }
  }

  /** Server-side copy: CopyObject, or UploadPartCopy parts above CopyObject's 5 GiB limit. */
  async copy(from: string, to: string, size: number): Promise<void> {
    if (size <= MAX_COPY_OBJECT) {
      await this.s3.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource: this.copySource(from) }));
      return;
    }
    await this.join(to, [{ key: from, size }]);
  }

  private copySource(key: string): string {
    return encodeURI(`${this.bucket}/${key}`);
  }

  /**
   * Joins objects, in order, into one at `to` without their bytes leaving the server: a multipart
   * upload whose parts are UploadPartCopy of each object (of even ranges of it above 5 GiB, the
   * largest part S3 takes). Only for objects that `joinable` accepts.
   */
  async join(to: string, sources: readonly StoredObject[]): Promise<void> {
    const ranges = copyRanges(sources);
    const { client } = this.s3;
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: to }));
    try {
      const parts: CompletedPart[] = [];
      // A few parts at once: each is a copy inside the server, that takes about as long as its size.
      for (let i = 0; i < ranges.length; i += PARALLEL_COPIES) {
        const batch = ranges.slice(i, i + PARALLEL_COPIES).map(async (range, j) => {
          const PartNumber = i + j + 1;
          const out = await client.send(
            new UploadPartCopyCommand({ Bucket: this.bucket, Key: to, UploadId, PartNumber, CopySource: this.copySource(range.key), CopySourceRange: range.bytes }),
          );
          return { PartNumber, ETag: out.CopyPartResult?.ETag };
        });
        parts.push(...(await Promise.all(batch)));
      }
      await client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (err) {
      await client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId })).catch(() => undefined);
      throw err;
    }
  }

  /** Writes `source` to `key` as one object, holding at most one part in memory. */
  async stream(key: string, source: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<number> {
    const upload = new ObjectUpload(this.s3, key);
    try {
      for await (const chunk of source) await upload.add(chunk);
    } catch (err) {
      await upload.abort();
      throw err;
    }
    await upload.finish();
    return upload.size;
  }
}
