/**
 * Deterministic blob data for the benchmark.
 *
 * A blob is named by a seed and a size; its bytes are the AES-128-CTR keystream under a key
 * derived from the seed. That gives us, without holding a blob in memory:
 *  - incompressible, unique bytes per seed (so no server can dedupe or compress its way ahead),
 *  - the same bytes every time, so the digest computed in a first pass matches the upload,
 *  - random access (CTR mode can start at any 16-byte block), so a chunked upload can stream
 *    any byte range, and a failed request can be replayed by regenerating its body.
 * AES-NI makes the keystream cost well under 1 ms per MiB, so the client stays cheap.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';

export interface BlobSpec {
  seed: string;
  size: number;
}

/** Bytes produced per read(); big enough to keep syscalls few, small enough to stay flat. */
const PIECE = 1024 * 1024;
const ZEROS = Buffer.alloc(PIECE);
const AES_BLOCK = 16;

function keyFor(seed: string): Buffer {
  return createHash('sha256').update(`berth-bench:${seed}`).digest().subarray(0, 16);
}

/** The CTR counter block for a byte offset: a 128-bit big-endian block index. */
function counterAt(offset: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(offset / AES_BLOCK), 8);
  return iv;
}

/** Streams bytes [start, end) of the blob in pieces of at most 1 MiB, honouring backpressure. */
export function blobStream(spec: BlobSpec, start = 0, end = spec.size): Readable {
  if (start % AES_BLOCK !== 0) throw new Error(`range start ${start} is not a multiple of ${AES_BLOCK}`);
  if (start < 0 || end > spec.size || start > end) throw new Error(`bad range ${start}-${end} of ${spec.size}`);
  const cipher = createCipheriv('aes-128-ctr', keyFor(spec.seed), counterAt(start));
  let remaining = end - start;
  return new Readable({
    highWaterMark: PIECE,
    read() {
      if (remaining === 0) {
        this.push(null);
        return;
      }
      const n = Math.min(PIECE, remaining);
      remaining -= n;
      this.push(cipher.update(n === PIECE ? ZEROS : ZEROS.subarray(0, n)));
    },
  });
}

/** The whole blob as one buffer: only for small blobs (configs, 64 KiB layers). */
export function blobBytes(spec: BlobSpec): Buffer {
  if (spec.size > 16 * PIECE) throw new Error(`refusing to buffer a ${spec.size}-byte blob`);
  const cipher = createCipheriv('aes-128-ctr', keyFor(spec.seed), counterAt(0));
  return Buffer.concat([cipher.update(Buffer.alloc(spec.size)), cipher.final()]);
}

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

const digestCache = new Map<string, string>();

/** First pass over the generator: the digest that the later upload must declare. Cached. */
export async function blobDigest(spec: BlobSpec): Promise<string> {
  const key = `${spec.seed}/${spec.size}`;
  const cached = digestCache.get(key);
  if (cached) return cached;
  const hash = createHash('sha256');
  for await (const piece of blobStream(spec)) hash.update(piece as Buffer);
  const digest = `sha256:${hash.digest('hex')}`;
  digestCache.set(key, digest);
  return digest;
}

export const MiB = 1024 * 1024;
export const KiB = 1024;
