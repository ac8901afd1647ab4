import type { FastifyRequest } from 'fastify';
import { finished, PassThrough, type Readable } from 'node:stream';
import { OciError } from '../platform/errors/index.js';
import { DigestError, parseDigest, type Digest } from '../platform/lib/index.js';
import type { ChunkRange } from '../content/index.js';

export function query(request: FastifyRequest): Record<string, string | undefined> {
  const raw = request.query as Record<string, unknown>;
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(raw)) out[key] = Array.isArray(value) ? String(value[0]) : String(value);
  return out;
}

export function requireDigest(text: string | undefined, field = 'digest'): Digest {
  if (!text) throw new OciError('DIGEST_INVALID', { field }, `${field} is required`);
  try {
    return parseDigest(text);
  } catch (err) {
    if (err instanceof DigestError && err.unsupported) throw new OciError('UNSUPPORTED', { digest: text }, err.message);
    throw new OciError('DIGEST_INVALID', { digest: text }, (err as Error).message);
  }
}

/** True when the request carries a body (a length above zero, or chunked transfer). */
/**
 * A blob body as the content service reads it, kept apart from the request: a write that fails
 * midway (a full disk) destroys the stream it reads, and destroying the request would reset the
 * connection before the client reads its error. The rest of the body is read and dropped
 * instead; a client that goes away still fails the write.
 */
export function blobBody(request: FastifyRequest): Readable {
  const body = request.raw;
  // Enough to keep the socket reading while the disk catches up; more only holds bytes in memory.
  const relay = new PassThrough({ highWaterMark: 64 * 1024 });
  // The relay is read through pipeline(), which takes its error (also one raised before it was
  // attached). Until then the handler awaits the database; a client that hangs up meanwhile, or
  // after the handler refused the request unread, must not leave an 'error' nobody listens to,
  // which would end the process.
  relay.on('error', () => undefined);
  body.pipe(relay);
  finished(body, (err) => {
    if (err) relay.destroy(err);
  });
  relay.once('close', () => {
    if (body.readableEnded) return;
    body.unpipe(relay);
    body.resume();
  });
  return relay;
}

export function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return request.headers['transfer-encoding'] !== undefined;
}

export function contentLength(request: FastifyRequest): number | undefined {
  const length = request.headers['content-length'];
  if (length === undefined) return undefined;
  const n = Number(length);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** `Content-Range: <start>-<end>` of a PATCH, if any. */
export function chunkRange(request: FastifyRequest): ChunkRange | undefined {
  const header = request.headers['content-range'];
  if (header === undefined) return undefined;
  const match = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!match) throw new OciError('RANGE_INVALID', { contentRange: header }, 'malformed Content-Range');
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (end < start) throw new OciError('RANGE_INVALID', { contentRange: header }, 'Content-Range ends before it starts');
  const length = contentLength(request);
  if (length !== undefined && length !== end - start + 1) {
    throw new OciError('RANGE_INVALID', { contentRange: header, contentLength: length }, 'Content-Length does not match Content-Range');
  }
  return { start, end };
}

/** The whole body, refusing more than `limit` bytes (manifests are small; blobs never come here). */
export async function readLimited(body: Readable, limit: number, declared: number | undefined): Promise<Buffer> {
  // Over the limit, the rest is not read: the 413 closes the connection (see the error handler).
  if (declared !== undefined && declared > limit) {
    throw new OciError('PAYLOAD_TOO_LARGE', { limit }, `manifest is larger than ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  // Not destroyed when the loop stops early: that would drop the connection before the 413 is sent.
  for await (const chunk of body.iterator({ destroyOnReturn: false })) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > limit) {
      throw new OciError('PAYLOAD_TOO_LARGE', { limit }, `manifest is larger than ${limit} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, total);
}

/** Parses `Range: bytes=a-b` against a blob of `size`; undefined means the whole blob. */
export function byteRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  const unsatisfiable = () => new OciError('RANGE_INVALID', { range: header, size }, 'requested range not satisfiable', { 'content-range': `bytes */${size}` });
  if (!match || (match[1] === '' && match[2] === '')) throw unsatisfiable();
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    start = Math.max(size - suffix, 0);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start > end || start >= size) throw unsatisfiable();
  return { start, end };
}

export interface Page {
  n: number;
  last: string | undefined;
}

const MAX_PAGE = 10_000;

export function page(request: FastifyRequest): Page | undefined {
  const q = query(request);
  if (q.n === undefined) return undefined;
  const n = Number(q.n);
  if (!Number.isInteger(n) || n < 0) throw new OciError('PAGINATION_NUMBER_INVALID', { n: q.n });
  return { n: Math.min(n, MAX_PAGE), last: q.last };
}

export function nextLink(path: string, items: string[], requested: Page | undefined): string | undefined {
  if (!requested || items.length < requested.n || items.length === 0) return undefined;
  const last = items[items.length - 1]!;
  return `<${path}?n=${requested.n}&last=${encodeURIComponent(last)}>; rel="next"`;
}
