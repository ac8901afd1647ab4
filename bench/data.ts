/**
 * Deterministic blob data for the benchmark.
 *
 * A blob is named by a seed and a size. Its first 4 KiB are the AES-128-CTR keystream under a
 * key derived from the seed, so every seed's bytes (and digest) are its own; the rest is read
 * from one pool of 17 MiB of keystream made once per process, a MiB at a time from an offset the
 * seed and the MiB's index pick. That gives us, without holding a blob in memory:
 *  - incompressible, unique bytes per seed (so no server can dedupe or compress its way ahead),
 *  - the same bytes every time, so the digest computed in a first pass matches the upload,
 *  - random access, so a chunked upload can stream any byte range, and a failed request can be
 *    replayed by regenerating its body.
 * The client shares the cores with the server it measures, so making the bytes costs nothing per
 * upload: the pool's pieces are sent as they are, with no encryption and no buffer allocated per
 * MiB. When each MiB was encrypted afresh, the client spent a quarter of its CPU collecting those
 * buffers and a tenth encrypting, which it took from the server under test.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';

export interface BlobSpec {
  seed: string;
  size: number;
}

/** Bytes per piece; big enough to keep syscalls few. */
const PIECE = 1024 * 1024;
/** The seed's own bytes at the head of each blob. */
const HEAD = 4 * 1024;
/** Pieces start at one of this many 4 KiB-aligned offsets into the pool. */
const OFFSETS = 4096;
const OFFSET_STEP = 4 * 1024;
/** How far the offset moves from one MiB of a blob to the next: odd, so a blob's MiBs visit every offset before one repeats. */
const OFFSET_STRIDE = 40503;

function keystream(key: string, length: number): Buffer {
  const cipher = createCipheriv('aes-128-ctr', createHash('sha256').update(`berth-bench:${key}`).digest().subarray(0, 16), Buffer.alloc(16));
  return cipher.update(Buffer.alloc(length));
}

let sharedPool: Buffer | undefined;
function pool(): Buffer {
  return (sharedPool ??= keystream('pool', OFFSETS * OFFSET_STEP + PIECE));
}

/** A blob's generator: its head, and where in the pool each later MiB of it starts. */
class BlobBytes {
  private readonly head: Buffer;
  private readonly base: number;

  constructor(spec: BlobSpec) {
    this.head = keystream(spec.seed, Math.min(HEAD, spec.size));
    this.base = createHash('sha256').update(`berth-bench-offsets:${spec.seed}`).digest().readUInt32BE(0);
  }

  /** The bytes from `position` up to `end`, or to the end of the head or the MiB that `position` is in. */
  piece(position: number, end: number): Buffer {
    if (position < HEAD) return this.head.subarray(position, Math.min(end, this.head.length));
    const offset = position - HEAD;
    const index = Math.floor(offset / PIECE);
    const within = offset % PIECE;
    const from = ((this.base + index * OFFSET_STRIDE) % OFFSETS) * OFFSET_STEP + within;
    return pool().subarray(from, from + Math.min(PIECE - within, end - position));
  }
}

/** Streams bytes [start, end) of the blob in pieces of at most 1 MiB, honouring backpressure. */
export function blobStream(spec: BlobSpec, start = 0, end = spec.size): Readable {
  if (start < 0 || end > spec.size || start > end) throw new Error(`bad range ${start}-${end} of ${spec.size}`);
  const bytes = new BlobBytes(spec);
  let position = start;
  return new Readable({
    highWaterMark: PIECE,
    read() {
      if (position === end) {
        this.push(null);
        return;
      }
      const piece = bytes.piece(position, end);
      position += piece.length;
      this.push(piece);
    },
  });
}

/** The whole blob as one buffer: only for small blobs (configs, 64 KiB layers). */
export function blobBytes(spec: BlobSpec): Buffer {
  if (spec.size > 16 * PIECE) throw new Error(`refusing to buffer a ${spec.size}-byte blob`);
  const bytes = new BlobBytes(spec);
  const out = Buffer.allocUnsafe(spec.size);
  for (let position = 0; position < spec.size;) position += bytes.piece(position, spec.size).copy(out, position);
  return out;
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
