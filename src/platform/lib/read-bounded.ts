import type { Readable } from 'node:stream';

/** A stream's bytes when they are at most `limit`; undefined (and the stream destroyed) as soon as they pass it. */
export async function readUpTo(stream: Readable, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      stream.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
