import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { assertSafePath, PathNotFoundError, type ByteRange, type FileWriter, type StorageDriver } from '../driver.js';
import { Bucket, joinable, type StoredObject } from './bucket.js';
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
 * Whether a key comes after every key under `<key>/` in listing order: one that begins with the
 * key and goes on with a character that sorts after `/`. Keys are listed in order of their UTF-8
 * bytes, which for a first differing character below U+0080 is the order of the characters.
 */
function pastUnder(listed: string, key: string): boolean {
  return listed.length > key.length && listed.startsWith(key) && listed.charCodeAt(key.length) > 0x2f;
}

/**
 * Blobs in an S3 bucket (AWS or S3-compatible). Everything streams: reads are GetObject
 * (with Range), writes are multipart uploads holding at most one part in memory. Objects
 * written through a FileWriter are kept as segments until moved (see segments.ts).
 */
export class S3Driver implements StorageDriver {
  readonly name = 's3';
  /** A writer's close completes its segment's upload: S3 has stored it. */
  readonly durableOnClose = true;
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
    const { plain, segments } = await this.pieces(key);
    if (plain !== undefined) return new S3Writer(this.bucket, key, [], plain.size);
    return new S3Writer(this.bucket, key, segments, undefined);
  }

  /**
   * The plain object at the key and its segments, from one listing of the keys that begin with
   * it: the key itself comes first, its segments under `<key>/` after it. Keys of the same start
   * that are neither (`<key>-x`, `<key>.y`) are skipped; the listing stops past `<key>/`.
   */
  private async pieces(key: string): Promise<{ plain: StoredObject | undefined; segments: StoredObject[] }> {
    let plain: StoredObject | undefined;
    const segments: StoredObject[] = [];
    const parts = segmentPrefix(key);
    for await (const page of this.bucket.list(key)) {
      for (const object of page) {
        if (object.key === key) plain = object;
        else if (object.key.startsWith(parts)) segments.push(object);
      }
      if (page.some((object) => pastUnder(object.key, key))) break;
    }
    return { plain, segments };
  }

  async move(from: string, to: string): Promise<void> {
    const source = this.key(from);
    const target = this.key(to);
    const { plain, segments } = await this.pieces(source);
    const [only, ...more] = segments;
    if (!only) {
      if (plain === undefined) throw new PathNotFoundError(from);
      await this.bucket.copy(source, target, plain.size);
      await this.bucket.deleteKey(source);
      return;
    }
    if (more.length === 0) await this.bucket.copy(only.key, target, only.size);
    else await this.join(target, segments);
    // A plain object beside segments is never left: a writer appending to one made it segment 1.
    await this.bucket.deleteKeys(segments.map((segment) => segment.key));
  }

  /**
   * Composes segments into one object. Empty ones add nothing and are left out. When every
   * segment but the last is at least S3's minimum part size they are joined inside S3 (a multipart
   * upload of UploadPartCopy parts); smaller chunks are streamed through one part of memory.
   */
  private async join(target: string, segments: StoredObject[]): Promise<void> {
    const filled = segments.filter((segment) => segment.size > 0);
    const [first, ...rest] = filled;
    if (!first) await this.bucket.stream(target, []);
    else if (rest.length === 0) await this.bucket.copy(first.key, target, first.size);
    else if (joinable(filled)) await this.bucket.join(target, filled);
    else await this.bucket.stream(target, readSegments(this.bucket, filled, 0, undefined));
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

  /** One listing of the keys beginning with the path's (see `pieces`), and a DeleteObjects of those that are it or under it. */
  async delete(path: string): Promise<void> {
    const key = this.key(path);
    const under = `${key}/`;
    for await (const page of this.bucket.list(key)) {
      const doomed = page.filter((object) => object.key === key || object.key.startsWith(under)).map((object) => object.key);
      if (doomed.length > 0) await this.bucket.deleteKeys(doomed);
      if (page.some((object) => pastUnder(object.key, key))) break;
    }
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
