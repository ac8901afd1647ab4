import { Readable } from 'node:stream';
import type { Bucket, StoredObject } from './bucket.js';

/**
 * How an object written by a FileWriter is kept. S3 objects cannot be appended to, and an
 * upload may be continued by another writer, on another instance, after a restart. So each
 * writer session (open → write… → close) stores the bytes it adds as one more object of its
 * own, a segment, streamed through a multipart upload:
 *
 *   <key>/_parts/000001, <key>/_parts/000002, …   the object is their concatenation, in key order
 *
 * The state is only in the bucket: a writer reopened with append lists the segments and goes
 * on after the last. `_parts` cannot clash with a Berth path (path segments never start with
 * `_`), and the segments sit under `<key>/`, so deleting a path or any prefix above it takes
 * them along.
 *
 * A plain object at `<key>` (putContent, move) is the whole object and wins over segments;
 * segments are only read when it is missing. Moving a segmented object composes it into one
 * plain object at the target: a server-side copy when it has one segment; a server-side join
 * (a multipart upload of UploadPartCopy parts) when every segment but the last is at least S3's
 * 5 MiB minimum part size; otherwise streamed through one part of memory. So blobs are always
 * plain objects: a read or a stat of a blob costs one request, and a miss costs one more (the
 * listing of `<key>/_parts/`). The plain object and its segments are found with one listing of
 * the keys that begin with `<key>` (it sorts first, its segments after it).
 */
export function segmentPrefix(key: string): string {
  return `${key}/_parts/`;
}

export function segmentKey(key: string, sequence: number): string {
  return `${segmentPrefix(key)}${String(sequence).padStart(6, '0')}`;
}

export function sequenceOf(segment: StoredObject): number {
  return Number(segment.key.slice(segment.key.lastIndexOf('/') + 1));
}

export function totalSize(segments: StoredObject[]): number {
  return segments.reduce((sum, s) => sum + s.size, 0);
}

/** A range of the concatenated segments as one stream, each segment fetched when its turn comes. */
export function readSegments(bucket: Bucket, segments: StoredObject[], offset: number, length: number | undefined): Readable {
  const end = length === undefined ? totalSize(segments) : offset + length;
  async function* bytes(): AsyncGenerator<Buffer> {
    let start = 0;
    for (const segment of segments) {
      const from = Math.max(offset, start);
      const to = Math.min(end, start + segment.size);
      start += segment.size;
      if (to <= from) continue;
      const stream = await bucket.get(segment.key, from - (start - segment.size), to - from);
      if (!stream) throw new Error(`segment ${segment.key} vanished while it was read`);
      for await (const chunk of stream) yield chunk as Buffer;
    }
  }
  return Readable.from(bytes(), { objectMode: false });
}
