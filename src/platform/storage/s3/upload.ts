import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';

/** What the driver's pieces share: the client, the bucket and the part size. */
export interface S3Context {
  client: S3Client;
  bucket: string;
  /** Bytes per multipart part; at least S3's 5 MiB minimum for every part but the last. */
  partSize: number;
}

export const MiB = 1024 * 1024;
/** S3 refuses smaller parts, except the last one. */
export const MIN_PART_SIZE = 5 * MiB;
/** S3 allows at most this many parts in one upload. */
const MAX_PARTS = 10_000;

/**
 * One object written as a stream: bytes gather in memory up to one part, then go out as an
 * UploadPart. An object that never fills a part is sent with one PutObject. Nothing is visible
 * under the key until `finish`, which is atomic (PutObject, CompleteMultipartUpload); an
 * upload abandoned by a crash stays invisible (a bucket lifecycle rule should abort such
 * incomplete multipart uploads).
 */
export class ObjectUpload {
  private uploadId: string | undefined;
  private readonly parts: CompletedPart[] = [];
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes already sent as parts. */
  private flushed = 0;

  constructor(
    private readonly s3: S3Context,
    readonly key: string,
  ) {}

  get size(): number {
    return this.flushed + this.buffered;
  }

  /** Bytes sent already: only those still in memory can be taken back by `trim`. */
  get sent(): number {
    return this.flushed;
  }

  /**
   * Parts grow past the first thousand, so that 10,000 parts hold far more than
   * 10,000 × partSize; memory stays at partSize for any object below 1,000 parts.
   */
  private partSize(): number {
    return this.s3.partSize * 2 ** Math.floor(this.parts.length / 1000);
  }

  async add(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered >= this.partSize()) await this.sendPart();
  }

  /** Takes back buffered bytes so the object ends at `size`; `size` may not be below `sent`. */
  trim(size: number): void {
    if (size < this.flushed) throw new Error(`cannot trim below the ${this.flushed} bytes sent`);
    const all = Buffer.concat(this.chunks);
    const kept = all.subarray(0, Math.max(0, size - this.flushed));
    this.chunks = kept.length ? [kept] : [];
    this.buffered = kept.length;
  }

  private async sendPart(): Promise<void> {
    if (this.parts.length >= MAX_PARTS) throw new Error(`object ${this.key} exceeds ${MAX_PARTS} parts`);
    const { client, bucket } = this.s3;
    this.uploadId ??= (await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: this.key }))).UploadId;
    const body = Buffer.concat(this.chunks);
    const PartNumber = this.parts.length + 1;
    const { ETag } = await client.send(
      new UploadPartCommand({ Bucket: bucket, Key: this.key, UploadId: this.uploadId, PartNumber, Body: body, ContentLength: body.length }),
    );
    // Kept in memory until the part is stored: a failed part is retried by `finish`.
    this.parts.push({ ETag, PartNumber });
    this.flushed += body.length;
    this.chunks = [];
    this.buffered = 0;
  }

  /** Makes the object visible under its key, whole; aborts the multipart upload on failure. */
  async finish(): Promise<void> {
    const { client, bucket } = this.s3;
    try {
      if (this.uploadId === undefined) {
        const body = Buffer.concat(this.chunks);
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: this.key, Body: body, ContentLength: body.length }));
        return;
      }
      if (this.buffered > 0) await this.sendPart();
      await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: this.key, UploadId: this.uploadId, MultipartUpload: { Parts: this.parts } }));
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  /** Drops the upload; its parts stop costing storage. */
  async abort(): Promise<void> {
    if (this.uploadId === undefined) return;
    const uploadId = this.uploadId;
    this.uploadId = undefined;
    await this.s3.client.send(new AbortMultipartUploadCommand({ Bucket: this.s3.bucket, Key: this.key, UploadId: uploadId })).catch(() => undefined);
  }
}
