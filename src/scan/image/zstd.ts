import { Decompress } from 'fzstd';

/**
 * Node 20's zlib has no zstd; fzstd decompresses in JavaScript. It calls back once per block
 * (≤ 128 KiB), but a few input bytes can hold many blocks (an RLE block is 4 bytes), so input is
 * fed in small slices and each slice's output is yielded before the next: the consumer's pace
 * bounds memory to one slice's output (at most 512/4 blocks, 16 MiB), whatever the input.
 */
const SLICE = 512;

export async function* zstdDecompress(source: AsyncIterable<Buffer | Uint8Array | string>): AsyncGenerator<Buffer> {
  const ready: Buffer[] = [];
  // fzstd may hand out views of its window, which it overwrites: copy.
  const decompressor = new Decompress((data) => {
    if (data.byteLength > 0) ready.push(Buffer.from(data));
  });
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (let at = 0; at < bytes.byteLength; at += SLICE) {
      decompressor.push(bytes.subarray(at, at + SLICE));
      while (ready.length > 0) yield ready.shift() as Buffer;
    }
  }
  decompressor.push(new Uint8Array(0), true);
  while (ready.length > 0) yield ready.shift() as Buffer;
}
