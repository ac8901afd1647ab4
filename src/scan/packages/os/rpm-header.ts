import { MalformedPackageDbError } from './errors.js';

/** The header tags the scanner needs (rpmtag.h). */
export const TAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  LICENSE: 1014,
  ARCH: 1022,
  SOURCERPM: 1044,
} as const;

const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_STRING_ARRAY = 8;
const TYPE_I18NSTRING = 9;

/** rpm's own limits on a header (header_internal.h: HEADER_TAGS_MAX, HEADER_DATA_MAX). */
const MAX_ENTRIES = 0xffff;
const MAX_DATA = 256 * 1024 * 1024;

export interface RpmHeader {
  string(tag: number): string | undefined;
  int32(tag: number): number | undefined;
}

/**
 * An rpmdb header blob as every backend stores it (no lead, no magic): entry count and data
 * length as big-endian uint32, then 16-byte index entries (tag, type, offset, count), then the
 * data store. Every offset is checked against the data store; a blob that does not add up throws.
 */
export function parseRpmHeader(blob: Uint8Array): RpmHeader {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (blob.byteLength < 8) throw new MalformedPackageDbError('rpm header', 'shorter than its preamble');
  const count = view.getUint32(0);
  const dataLength = view.getUint32(4);
  if (count === 0 || count > MAX_ENTRIES || dataLength > MAX_DATA) throw new MalformedPackageDbError('rpm header', `impossible sizes ${count}/${dataLength}`);
  const dataStart = 8 + count * 16;
  if (dataStart + dataLength > blob.byteLength) throw new MalformedPackageDbError('rpm header', 'longer than its blob');
  const data = blob.subarray(dataStart, dataStart + dataLength);
  const entries = new Map<number, { type: number; offset: number; count: number }>();
  for (let i = 0; i < count; i++) {
    const at = 8 + i * 16;
    const tag = view.getUint32(at);
    if (!entries.has(tag)) entries.set(tag, { type: view.getUint32(at + 4), offset: view.getUint32(at + 8), count: view.getUint32(at + 12) });
  }
  const textAt = (offset: number): string | undefined => {
    if (offset >= data.byteLength) return undefined;
    const end = data.indexOf(0, offset);
    if (end < 0) return undefined;
    return Buffer.from(data.buffer, data.byteOffset + offset, end - offset).toString('utf8');
  };
  return {
    string(tag) {
      const entry = entries.get(tag);
      if (!entry || entry.count === 0) return undefined;
      // An array's or translated string's first element is what `rpm -q --qf '%{TAG}'` shows.
      if (entry.type !== TYPE_STRING && entry.type !== TYPE_STRING_ARRAY && entry.type !== TYPE_I18NSTRING) return undefined;
      return textAt(entry.offset);
    },
    int32(tag) {
      const entry = entries.get(tag);
      if (!entry || entry.type !== TYPE_INT32 || entry.count === 0 || entry.offset % 4 !== 0) return undefined;
      if (entry.offset + 4 > data.byteLength) return undefined;
      return new DataView(data.buffer, data.byteOffset + entry.offset, 4).getInt32(0);
    },
  };
}
