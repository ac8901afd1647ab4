import crypto from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/** s3rver's built-in account; it checks request signatures against these keys. */
export const S3RVER_KEYS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface TestS3 {
  endpoint: string;
  port: number;
  bucket: string;
  /** The bucket's objects on s3rver's disk, for tests that look behind the API. */
  directory: string;
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
  const { port } = await server.run();
  return {
    endpoint: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    bucket,
    directory,
    async stop() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
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
