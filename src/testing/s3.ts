import crypto from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver, { type S3rverContext } from 's3rver';

/** s3rver's built-in account; it checks request signatures against these keys. */
export const S3RVER_KEYS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface TestS3 {
  endpoint: string;
  port: number;
  bucket: string;
  /** The bucket's objects on s3rver's disk, for tests that look behind the API. */
  directory: string;
  /** Every request served so far, by S3 operation (`GetObject`, `UploadPartCopy`, …), in order; tests may empty it. */
  requests: string[];
  stop(): Promise<void>;
}

/** An S3 endpoint in this process on a random port, keeping its objects in a temp directory (S3RVER_LOG=1 logs its requests). */
export async function startTestS3(options: { bucket?: string; tls?: { key: string; cert: string } } = {}): Promise<TestS3> {
  const bucket = options.bucket ?? 'berth';
  const directory = mkdtempSync(join(tmpdir(), 'berth-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: process.env.S3RVER_LOG !== '1',
    directory,
    configureBuckets: [{ name: bucket }],
    ...options.tls,
  });
  allowSingleDes();
  const requests: string[] = [];
  // Before s3rver's own: they run first, and see every request.
  server.middleware.unshift(
    async (ctx, next) => {
      requests.push(operationOf(ctx));
      await next();
    },
    (ctx, next) => uploadPartCopy(server, ctx, next),
    (ctx, next) => refuseSmallParts(server, ctx, next),
  );
  const { port } = await server.run();
  return {
    endpoint: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    bucket,
    directory,
    requests,
    async stop() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** What names an S3 request's operation: its method, path, which query parameters it has, and whether it copies. */
export interface S3RequestShape {
  method: string;
  path: string;
  has(parameter: string): boolean;
  copies: boolean;
}

/** The S3 operation a request stands for, from its method, query and copy-source header (also the bench's counting proxy). */
export function s3Operation({ method, path, has, copies }: S3RequestShape): string {
  if (has('uploads')) return method === 'POST' ? 'CreateMultipartUpload' : 'ListMultipartUploads';
  if (has('uploadId')) {
    if (has('partNumber')) return copies ? 'UploadPartCopy' : 'UploadPart';
    return method === 'POST' ? 'CompleteMultipartUpload' : method === 'DELETE' ? 'AbortMultipartUpload' : 'ListParts';
  }
  if (has('list-type') || (method === 'GET' && path.split('/').filter(Boolean).length <= 1)) return 'ListObjects';
  if (has('delete')) return 'DeleteObjects';
  if (method === 'PUT') return copies ? 'CopyObject' : 'PutObject';
  if (method === 'GET') return 'GetObject';
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'DELETE') return 'DeleteObject';
  return `${method} other`;
}

function operationOf(ctx: S3rverContext): string {
  return s3Operation({ method: ctx.method, path: ctx.path, has: (name) => name in ctx.query, copies: ctx.get('x-amz-copy-source') !== '' });
}

/** Bucket and key of a path-style request (`/bucket/key`). */
function pathStyle(path: string): { bucket: string; key: string } {
  const [bucket = '', ...key] = path.replace(/^\//, '').split('/');
  return { bucket, key: key.join('/') };
}

function s3Error(ctx: S3rverContext, status: number, code: string, message: string): void {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

/**
 * UploadPartCopy (a part of a multipart upload copied from a stored object, or a range of it),
 * which s3rver answers with NotImplemented: served here from s3rver's own store, as S3 does it,
 * for path-style requests. The bytes never leave the server.
 */
async function uploadPartCopy(server: S3rver, ctx: S3rverContext, next: () => Promise<void>): Promise<void> {
  const source = ctx.get('x-amz-copy-source');
  const { uploadId, partNumber } = ctx.query;
  if (ctx.method !== 'PUT' || !source || typeof uploadId !== 'string' || typeof partNumber !== 'string') return next();
  const target = pathStyle(ctx.path);
  const from = pathStyle(decodeURI(source));
  const range = /^bytes=(\d+)-(\d+)$/.exec(ctx.get('x-amz-copy-source-range'));
  const object = await server.store.getObject(from.bucket, from.key, range ? { start: Number(range[1]), end: Number(range[2]) } : undefined);
  if (!object?.content) return s3Error(ctx, 404, 'NoSuchKey', 'The specified key does not exist.');
  const { md5 } = await server.store.putPart(target.bucket, uploadId, partNumber, object.content);
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<CopyPartResult><LastModified>${new Date().toISOString()}</LastModified><ETag>"${md5}"</ETag></CopyPartResult>`;
}

/** S3's minimum part size, which s3rver does not check: every part but the last is at least 5 MiB. */
const MIN_PART_SIZE = 5 * 1024 * 1024;

/** Refuses to complete a multipart upload with a part but the last below 5 MiB (EntityTooSmall), as S3 does. */
async function refuseSmallParts(server: S3rver, ctx: S3rverContext, next: () => Promise<void>): Promise<void> {
  const { uploadId } = ctx.query;
  if (ctx.method !== 'POST' || typeof uploadId !== 'string') return next();
  const dir = join(server.store.getResourcePath(pathStyle(ctx.path).bucket, undefined, 'uploads'), uploadId);
  const numbers = (await readdir(dir).catch(() => [] as string[]))
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
  for (const number of numbers.slice(0, -1)) {
    if ((await stat(join(dir, String(number)))).size < MIN_PART_SIZE) {
      return s3Error(ctx, 400, 'EntityTooSmall', `Your proposed upload is smaller than the minimum allowed size (part ${number}).`);
    }
  }
  return next();
}

let desAllowed = false;

/**
 * s3rver makes ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 keeps in its
 * legacy provider: every listing longer than one page fails there with a 500. Triple DES with
 * the key repeated three times computes exactly single DES, and OpenSSL 3 has it by default.
 */
function allowSingleDes(): void {
  if (desAllowed) return;
  desAllowed = true;
  const { createCipheriv, createDecipheriv } = crypto;
  const tripled = (key: crypto.CipherKey): Buffer => {
    const k = Buffer.from(key as Uint8Array);
    return Buffer.concat([k, k, k]);
  };
  const patched = crypto as { createCipheriv: typeof createCipheriv; createDecipheriv: typeof createDecipheriv };
  patched.createCipheriv = ((algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null) =>
    algorithm === 'des' ? createCipheriv('des-ede3-cbc', tripled(key), iv) : createCipheriv(algorithm, key, iv)) as typeof createCipheriv;
  patched.createDecipheriv = ((algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null) =>
    algorithm === 'des' ? createDecipheriv('des-ede3-cbc', tripled(key), iv) : createDecipheriv(algorithm, key, iv)) as typeof createDecipheriv;
}
