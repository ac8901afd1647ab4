import type { Readable } from 'node:stream';

const BLOCK = 512;

export interface TarEntry {
  name: string;
  data: Buffer;
}

export interface TarLimits {
  /** A wanted file larger than this fails the read (TarTooLargeError) before any of it is kept. */
  maxEntryBytes: number;
  /** Bytes of archive read at most, wanted or not. */
  maxTotalBytes: number;
  /** Stop at the first wanted file: the rest of the archive is never read. */
  firstOnly?: boolean;
}

/**
 * Reads a ustar stream and hands back the regular files `wanted` accepts, with their
 * bytes. Headers only: no links, no sparse files; pax/GNU long names are honoured because
 * Helm writes them for deep paths. Files not wanted are skipped without being kept.
 */
export async function readTarEntries(source: Readable, wanted: (name: string) => boolean, limits: TarLimits): Promise<TarEntry[]> {
  const { maxEntryBytes, maxTotalBytes, firstOnly = false } = limits;
  let total = 0;
  const found: TarEntry[] = [];
  let pending: Buffer = Buffer.alloc(0);
  let current: { name: string; size: number; keep: boolean; chunks: Buffer[]; read: number } | undefined;
  let padding = 0;
  let longName: string | undefined;
  let paxName: string | undefined;
  let finished = false;

  for await (const chunk of source) {
    if (finished) continue;
    total += (chunk as Buffer).length;
    // A small .tgz can inflate to a great deal; stop rather than read it all.
    if (total > maxTotalBytes) throw new TarTooLargeError('the unpacked archive', total);
    pending = pending.length === 0 ? (chunk as Buffer) : Buffer.concat([pending, chunk as Buffer]);
    for (;;) {
      if (current) {
        const take = Math.min(current.size - current.read, pending.length);
        if (current.keep) current.chunks.push(pending.subarray(0, take));
        current.read += take;
        pending = pending.subarray(take);
        if (current.read < current.size) break;
        const data = Buffer.concat(current.chunks);
        if (current.name === '\0longname') longName = cString(data);
        else if (current.name === '\0pax') paxName = paxPath(data) ?? paxName;
        else if (current.keep) {
          found.push({ name: current.name, data });
          if (firstOnly) return found;
        }
        padding = (BLOCK - (current.size % BLOCK)) % BLOCK;
        current = undefined;
      }
      if (padding > 0) {
        const skip = Math.min(padding, pending.length);
        padding -= skip;
        pending = pending.subarray(skip);
        if (padding > 0) break;
      }
      if (pending.length < BLOCK) break;
      const header = pending.subarray(0, BLOCK);
      pending = pending.subarray(BLOCK);
      if (header.every((b) => b === 0)) {
        finished = true;
        break;
      }
      const size = parseOctal(header.subarray(124, 136));
      const type = String.fromCharCode(header[156] ?? 0);
      const prefix = cString(header.subarray(345, 500));
      const baseName = cString(header.subarray(0, 100));
      let name = longName ?? paxName ?? (prefix ? `${prefix}/${baseName}` : baseName);
      if (type === 'L') name = '\0longname';
      else if (type === 'x') name = '\0pax';
      else {
        longName = undefined;
        paxName = undefined;
      }
      const regular = type === '0' || type === '\0';
      const meta = type === 'L' || type === 'x';
      const keep = meta || (regular && wanted(name));
      if (keep && size > maxEntryBytes) throw new TarTooLargeError(name, size);
      current = { name, size, keep, chunks: [], read: 0 };
      if (size === 0) {
        current = undefined;
        if (keep && !meta) {
          found.push({ name, data: Buffer.alloc(0) });
          if (firstOnly) return found;
        }
      }
    }
  }
  return found;
}

export class TarTooLargeError extends Error {
  constructor(
    readonly entry: string,
    readonly size: number,
  ) {
    super(`${entry} is ${size} bytes, more than allowed`);
  }
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString('utf8');
}

function parseOctal(bytes: Buffer): number {
  const text = cString(bytes).trim();
  if (!/^[0-7]*$/.test(text)) throw new Error('malformed tar header');
  return text === '' ? 0 : parseInt(text, 8);
}

/** The `path` record of a pax extended header: `<len> path=<value>\n`. */
function paxPath(data: Buffer): string | undefined {
  for (const line of data.toString('utf8').split('\n')) {
    const match = /^\d+ path=(.*)$/.exec(line);
    if (match) return match[1];
  }
  return undefined;
}
