import { inflateRawSync } from 'node:zlib';

/**
 * A minimal reader for zip archives held in a Buffer (jars, wars): the end-of-central-directory
 * record, the central directory entries, and each wanted entry's data, inflated with a hard
 * output limit. The central directory's sizes are claims, not facts, so the limit is enforced by
 * zlib itself (`maxOutputLength`), which is what stops a zip bomb. ZIP64 archives (over 65535
 * entries or 4 GiB) are not read.
 */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const STORED = 0;
const DEFLATED = 8;

export class ZipError extends Error {}

/** The central directory's entries, at most `maxEntries` (more is refused: a jar does not hold millions of files). */
export function listZipEntries(zip: Buffer, maxEntries: number): ZipEntry[] {
  const eocd = findEndOfCentralDirectory(zip);
  const count = zip.readUInt16LE(eocd + 10);
  const size = zip.readUInt32LE(eocd + 12);
  const offset = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || offset === 0xffffffff) throw new ZipError('ZIP64 archives are not read');
  if (count > maxEntries) throw new ZipError(`more than ${maxEntries} entries`);
  if (offset + size > zip.length) throw new ZipError('central directory outside the archive');
  const entries: ZipEntry[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new ZipError('bad central directory entry');
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    if (at + 46 + nameLength > zip.length) throw new ZipError('entry name outside the archive');
    entries.push({
      method: zip.readUInt16LE(at + 10),
      compressedSize: zip.readUInt32LE(at + 20),
      uncompressedSize: zip.readUInt32LE(at + 24),
      localHeaderOffset: zip.readUInt32LE(at + 42),
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** An entry's bytes, refusing (ZipError, or zlib's RangeError) anything that would inflate beyond `maxBytes`. */
export function readZipEntry(zip: Buffer, entry: ZipEntry, maxBytes: number): Buffer {
  const at = entry.localHeaderOffset;
  if (at + 30 > zip.length || zip.readUInt32LE(at) !== LOCAL_SIGNATURE) throw new ZipError('bad local header');
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const end = start + entry.compressedSize;
  if (end > zip.length) throw new ZipError('entry data outside the archive');
  const data = zip.subarray(start, end);
  if (entry.method === STORED) {
    if (data.length > maxBytes) throw new ZipError('entry too large');
    return data;
  }
  if (entry.method !== DEFLATED) throw new ZipError(`compression method ${entry.method} is not read`);
  return inflateRawSync(data, { maxOutputLength: Math.max(1, maxBytes) });
}

function findEndOfCentralDirectory(zip: Buffer): number {
  const lowest = Math.max(0, zip.length - EOCD_SIZE - MAX_COMMENT);
  for (let at = zip.length - EOCD_SIZE; at >= lowest; at--) {
    if (zip.readUInt32LE(at) === EOCD_SIGNATURE) return at;
  }
  throw new ZipError('not a zip archive');
}
