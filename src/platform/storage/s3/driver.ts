import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { assertSafePath, PathNotFoundError, type ByteRange, type FileWriter, type StorageDriver } from '../driver.js';
import { Bucket } from './bucket.js';
import { createS3Client, type S3Settings } from './client.js';
import { readSegments, segmentPrefix } from './segments.js';
import { MiB } from './upload.js';
import { S3Writer } from './writer.js';

export interface S3DriverOptions extends S3Settings {
  /** Key prefix every object is stored under ('' for the bucket root). */
  rootDirectory: string;
  partSizeMegabytes: number;
  /**
   * Base URL the presigned URLs of `redirectUrl` name instead of `endpoint`, for clients that
   * reach the server by another name than Berth does. Only signing uses it: no request goes there.
   */
  redirectEndpoint?: string;
}

/**
 * Blobs in an S3 bucket (AWS or S3-compatible). Everything streams: reads are GetObject
 * (with Range), writes are multipart uploads holding at most one part in memory. Objects
 * written through a FileWriter are kept as segments until moved (see segments.ts).
 */
export class S3Driver implements StorageDriver {
  readonly name = 's3';
  private readonly bucket: Bucket;
  private readonly root: string;
  /** Signs redirect URLs: the driver's own client, or one naming the redirect endpoint. */
  private readonly signer: S3Client;

  constructor(options: S3DriverOptions) {
    const client = createS3Client(options);
    this.bucket = new Bucket({ client, bucket: options.bucket, partSize: options.partSizeMegabytes * MiB });
    this.signer = options.redirectEndpoint ? createS3Client({ ...options, endpoint: options.redirectEndpoint }) : client;
    const root = options.rootDirectory.replace(/^\/+|\/+$/g, '');
    this.root = root ? `${root}/` : '';
  }

  private key(path: string): string {
    assertSafePath(path);
    return this.root + path;
  }

  /** One HEAD: whole objects are plain (see segments.ts); an object a writer is still adding to is not one. */
  async stat(path: string): Promise<{ size: number } | undefined> {
    const size = await this.bucket.head(this.key(path));
    return size === undefined ? undefined : { size };
  }

  async read(path: string, range?: ByteRange): Promise<Readable> {
    const key = this.key(path);
    const offset = range?.offset ?? 0;
    const plain = await this.bucket.get(key, offset, range?.length);
    if (plain) return plain;
    const segments = await this.bucket.listAll(segmentPrefix(key));
    if (!segments.length) throw new PathNotFoundError(path);
    return readSegments(this.bucket, segments, offset, range?.length);
  }

  async getContent(path: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.read(path)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async putContent(path: string, data: Uint8Array): Promise<void> {
    // A PutObject replaces the object atomically and is durable once it returns.
    await this.bucket.stream(this.key(path), [Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
  }

  async writer(path: string, options: { append: boolean }): Promise<FileWriter> {
    const key = this.key(path);
    if (!options.append) {
      await this.delete(path);
      return new S3Writer(this.bucket, key, [], undefined);
    }
    const plain = await this.bucket.head(key);
    if (plain !== undefined) return new S3Writer(this.bucket, key, [], plain);
    return new S3Writer(this.bucket, key, await this.bucket.listAll(segmentPrefix(key)), undefined);
  }

  async move(from: string, to: string): Promise<void> {
    const source = this.key(from);
    const target = this.key(to);
    // What is moved is nearly always an upload, kept as segments: they are listed first.
    const segments = await this.bucket.listAll(segmentPrefix(source));
    const [only, ...more] = segments;
    if (!only) {
      const plain = await this.bucket.head(source);
      if (plain === undefined) throw new PathNotFoundError(from);
      await this.bucket.copy(source, target, plain);
      await this.bucket.deleteKey(source);
      return;
    }
    if (more.length === 0) await this.bucket.copy(only.key, target, only.size);
    // Several segments, of any sizes, are joined through one part of memory (UploadPartCopy
    // would need every segment but the last to be at least 5 MiB, which chunks need not be).
    else await this.bucket.stream(target, readSegments(this.bucket, segments, 0, undefined));
    // A plain object beside segments is never left: a writer appending to one made it segment 1.
    await this.bucket.deleteKeys(segments.map((segment) => segment.key));
  }

  async *list(prefix: string): AsyncGenerator<string[]> {
    // Listed flat and grouped here rather than with a delimiter, which some S3-compatible
    // servers answer only for objects one level down. Keys come in order, so each name's keys
    // (an object's segments under `<key>/_parts/`, say) are adjacent: one name, listed once.
    const under = `${this.key(prefix)}/`;
    let last: string | undefined;
    for await (const page of this.bucket.list(under)) {
      const names: string[] = [];
      for (const { key } of page) {
        const name = key.slice(under.length).split('/', 1)[0] ?? '';
        if (name === '' || name === last) continue;
        last = name;
        names.push(name);
      }
      if (names.length > 0) yield names;
    }
  }

  async delete(path: string): Promise<void> {
    const key = this.key(path);
    await this.bucket.deleteKey(key);
    await this.bucket.deletePrefix(`${key}/`);
  }

  /** A bucket has no bound Berth could see. */
  freeBytes(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  /**
   * A presigned GetObject URL of a plain object. An object still kept as segments (an upload in
   * progress) has no one URL, and a missing one none at all: both are undefined.
   */
  async redirectUrl(path: string, expiresInSeconds: number): Promise<string | undefined> {
    const key = this.key(path);
    if ((await this.bucket.head(key)) === undefined) return undefined;
    return getSignedUrl(this.signer, new GetObjectCommand({ Bucket: this.bucket.s3.bucket, Key: key }), { expiresIn: expiresInSeconds });
  }
}
