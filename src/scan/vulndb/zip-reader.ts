import { open, type FileHandle } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';

/**
 * Reading OSV zips fast. yauzl reading a file itself costs a thread-pool round trip per central
 * directory record, per local header and per entry's data, and inflates each entry through a
 * zlib stream (more round trips): an `all.zip` of small records spent most of its import time
 * waiting on those. Here yauzl reads through a block cache (one `read` per MiB, the central
 * directory and the entries each read front to back), and an entry's bytes are taken whole
 * from the cache and inflated at once; each entry is bounded before anything is allocated.
 */

const BLOCK = 1024 * 1024;
/** The central directory and the entry data are two separate sequential cursors; a few blocks keep both warm. */
const CACHED_BLOCKS = 4;
const LOCAL_HEADER_BYTES = 30;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;

/** A yauzl reader over a file with a small cache of whole blocks. */
export class BlockReader extends yauzl.RandomAccessReader {
  private readonly blocks = new Map<number, Promise<Buffer>>();

  private constructor(
    private readonly file: FileHandle,
    readonly size: number,
  ) {
    super();
  }

  static async open(path: string): Promise<BlockReader> {
    const file = await open(path, 'r');
    try {
      return new BlockReader(file, (await file.stat()).size);
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  /** `length` bytes at `position`; fewer only at the end of the file. */
  async bytes(position: number, length: number): Promise<Buffer> {
    const end = Math.min(position + length, this.size);
    if (end <= position) return Buffer.alloc(0);
    const first = Math.floor(position / BLOCK);
    const last = Math.floor((end - 1) / BLOCK);
    if (first === last) {
      const block = await this.block(first);
      return block.subarray(position - first * BLOCK, end - first * BLOCK);
    }
    const out = Buffer.allocUnsafe(end - position);
    for (let index = first; index <= last; index += 1) {
      const block = await this.block(index);
      const from = Math.max(position, index * BLOCK);
      const to = Math.min(end, (index + 1) * BLOCK);
      block.copy(out, from - position, from - index * BLOCK, to - index * BLOCK);
    }
    return out;
  }

  private block(index: number): Promise<Buffer> {
    let block = this.blocks.get(index);
    if (block === undefined) {
      block = this.load(index);
      if (this.blocks.size >= CACHED_BLOCKS) this.blocks.delete(this.blocks.keys().next().value as number);
      // A failed read is not kept: the next entry tries again and gets its own error.
      block.catch(() => this.blocks.delete(index));
    } else this.blocks.delete(index); // re-inserted below as the most recently used
    this.blocks.set(index, block);
    return block;
  }

  private async load(index: number): Promise<Buffer> {
    const buffer = Buffer.allocUnsafe(Math.min(BLOCK, this.size - index * BLOCK));
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await this.file.read(buffer, filled, buffer.length - filled, index * BLOCK + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  }

  /** yauzl's interface: it reads the end of central directory and each central directory record through here. */
  override read(target: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead?: number) => void): void {
    this.bytes(position, length).then(
      (data) => callback(null, data.copy(target, offset)),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  }

  override close(callback: (err: Error | null) => void): void {
    this.blocks.clear();
    this.file.close().then(
      () => callback(null),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  }
}

/** A zip opened through a block reader; `lazyEntries`, entries read by `readEntryText`. */
export async function openZip(path: string): Promise<{ zip: yauzl.ZipFile; reader: BlockReader }> {
  const reader = await BlockReader.open(path);
  try {
    const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.fromRandomAccessReader(reader, reader.size, { lazyEntries: true, autoClose: false, strictFileNames: false }, (err, zip) =>
        err ? reject(err) : resolve(zip),
      ),
    );
    return { zip, reader };
  } catch (error) {
    await new Promise<void>((resolve) => reader.close(() => resolve()));
    throw error;
  }
}

/** An entry's text: stored or deflated, at most `maxBytes` either way, its size as the central directory says. */
export async function readEntryText(reader: BlockReader, entry: yauzl.Entry, maxBytes: number): Promise<string> {
  if (entry.uncompressedSize > maxBytes || entry.compressedSize > maxBytes) throw new Error(`larger than ${maxBytes} bytes`);
  if (entry.isEncrypted()) throw new Error('encrypted entry');
  if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) throw new Error(`unsupported compression method ${entry.compressionMethod}`);
  const header = await reader.bytes(entry.relativeOffsetOfLocalHeader, LOCAL_HEADER_BYTES);
  if (header.length < LOCAL_HEADER_BYTES || header.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE) throw new Error('invalid local file header');
  const start = entry.relativeOffsetOfLocalHeader + LOCAL_HEADER_BYTES + header.readUInt16LE(26) + header.readUInt16LE(28);
  const raw = await reader.bytes(start, entry.compressedSize);
  if (raw.length < entry.compressedSize) throw new Error('unexpected end of zip');
  let data: Buffer;
  try {
    data = entry.compressionMethod === STORED ? raw : inflateRawSync(raw, { maxOutputLength: maxBytes });
  } catch (error) {
    // maxOutputLength is the bound that holds even when the header lies about the size.
    throw new Error(
      (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? `larger than ${maxBytes} bytes` : `not inflatable: ${(error as Error).message}`,
    );
  }
  if (data.length !== entry.uncompressedSize) throw new Error(`holds ${data.length} bytes, its header says ${entry.uncompressedSize}`);
  return data.toString('utf8');
}
