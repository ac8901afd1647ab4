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
import { MiB, ObjectUpload, type S3Context } from './upload.js';

/** A stored object: its key and size. */
export interface StoredObject {
  key: string;
  size: number;
}

/** CopyObject copies at most 5 GiB; larger objects are copied part by part (UploadPartCopy). */
const MAX_COPY_OBJECT = 5 * 1024 * MiB;
/** DeleteObjects takes at most this many keys. */
const DELETE_BATCH = 1000;
const COPY_PART_SIZE = 1024 * MiB;

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

  /** Server-side copy: CopyObject, or UploadPartCopy in 1 GiB parts above CopyObject's 5 GiB limit. */
  async copy(from: string, to: string, size: number): Promise<void> {
    const CopySource = encodeURI(`${this.bucket}/${from}`);
    if (size <= MAX_COPY_OBJECT) {
      await this.s3.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource }));
      return;
    }
    const { client } = this.s3;
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: to }));
    try {
      const parts: CompletedPart[] = [];
      for (let start = 0; start < size; start += COPY_PART_SIZE) {
        const end = Math.min(size, start + COPY_PART_SIZE) - 1;
        const PartNumber = parts.length + 1;
        const out = await client.send(
          new UploadPartCopyCommand({ Bucket: this.bucket, Key: to, UploadId, PartNumber, CopySource, CopySourceRange: `bytes=${start}-${end}` }),
        );
        parts.push({ PartNumber, ETag: out.CopyPartResult?.ETag });
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
