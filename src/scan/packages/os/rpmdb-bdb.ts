import { MalformedPackageDbError } from './errors.js';

/*
 * Berkeley DB hash files, as rpm < 4.16 wrote `var/lib/rpm/Packages` (key: header number, value:
 * header blob). The on-disk format (db_page.h): page 0 is the hash metadata page; every page starts
 * with a 26-byte header (lsn 8, pgno 4, prev 4, next 4, entries 2, hf_offset 2, level 1, type 1)
 * followed, on hash pages, by `entries` uint16 offsets of items that alternate key, value. An item
 * starts with its type: H_KEYDATA (bytes inline, up to the previous item), or H_OFFPAGE (pgno and
 * total length of a chain of overflow pages, each holding hf_offset bytes after its header).
 * Reading every hash page in page order finds every pair without following buckets.
 */

const HASH_MAGIC = 0x061561;
const PAGE_HEADER = 26;
const P_OVERFLOW = 7;
const P_HASH_UNSORTED = 2;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_OFFPAGE = 3;
/** Valid BDB page sizes are powers of two from 512 B to 64 KiB. */
const MIN_PAGE = 512;
const MAX_PAGE = 65536;

export function isBerkeleyHash(db: Uint8Array): boolean {
  if (db.byteLength < 512) return false;
  const view = new DataView(db.buffer, db.byteOffset, db.byteLength);
  return view.getUint32(12, true) === HASH_MAGIC || view.getUint32(12, false) === HASH_MAGIC;
}

/** Every value of a Berkeley DB hash file, in page order. Throws on a file that is not one. */
export function* berkeleyHashValues(db: Uint8Array): Generator<Uint8Array> {
  const view = new DataView(db.buffer, db.byteOffset, db.byteLength);
  if (!isBerkeleyHash(db)) throw new MalformedPackageDbError('Berkeley DB hash', 'no hash magic');
  const little = view.getUint32(12, true) === HASH_MAGIC;
  const u32 = (at: number) => view.getUint32(at, little);
  const u16 = (at: number) => view.getUint16(at, little);
  const pageSize = u32(20);
  if (pageSize < MIN_PAGE || pageSize > MAX_PAGE || (pageSize & (pageSize - 1)) !== 0) {
    throw new MalformedPackageDbError('Berkeley DB hash', `page size ${pageSize}`);
  }
  if (view.getUint8(24) !== 0) throw new MalformedPackageDbError('Berkeley DB hash', 'encrypted');
  const pages = Math.min(u32(32) + 1, Math.floor(db.byteLength / pageSize));

  const overflow = (first: number, total: number): Uint8Array | undefined => {
    // A value cannot be longer than the file holding it; the length field is not trusted further.
    if (total > db.byteLength) return undefined;
    const out = new Uint8Array(total);
    let filled = 0;
    // A chain that comes back to a page it passed is corrupt (and would never end).
    const seen = new Set<number>();
    for (let pgno = first; pgno !== 0 && filled < total;) {
      if (pgno >= pages || seen.has(pgno)) return undefined;
      seen.add(pgno);
      const at = pgno * pageSize;
      if (view.getUint8(at + 25) !== P_OVERFLOW) return undefined;
      const length = Math.min(u16(at + 22), pageSize - PAGE_HEADER, total - filled);
      out.set(db.subarray(at + PAGE_HEADER, at + PAGE_HEADER + length), filled);
      filled += length;
      pgno = u32(at + 16);
    }
    return filled === total ? out : undefined;
  };

  for (let pgno = 1; pgno < pages; pgno++) {
    const at = pgno * pageSize;
    const type = view.getUint8(at + 25);
    if (type !== P_HASH && type !== P_HASH_UNSORTED) continue;
    const entries = u16(at + 20);
    if (PAGE_HEADER + entries * 2 > pageSize) continue;
    const offsets: number[] = [];
    for (let i = 0; i < entries; i++) offsets.push(u16(at + PAGE_HEADER + i * 2));
    // Items fill the page from its end; an inline item runs up to the next higher item or the page end.
    const sorted = [...offsets].sort((a, b) => a - b);
    const endOf = (offset: number) => sorted.find((o) => o > offset) ?? pageSize;
    for (let i = 1; i < entries; i += 2) {
      const offset = offsets[i] as number;
      if (offset < PAGE_HEADER + entries * 2 || offset >= pageSize) continue;
      const itemType = view.getUint8(at + offset);
      if (itemType === H_KEYDATA) {
        yield db.subarray(at + offset + 1, at + endOf(offset));
      } else if (itemType === H_OFFPAGE && offset + 12 <= pageSize) {
        const value = overflow(u32(at + offset + 4), u32(at + offset + 8));
        if (value) yield value;
      }
    }
  }
}
