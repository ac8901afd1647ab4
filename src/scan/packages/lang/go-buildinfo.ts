import { findElfSection, isElf } from './elf.js';

/**
 * Go's build information (Go ≥ 1.18 "inline" format, as `debug/buildinfo` reads it): a 32-byte
 * header starting with `\xff Go buildinf:` at a 16-byte-aligned offset, byte 14 the pointer size,
 * byte 15 flags (bit 2 = strings inline), then two uvarint-length-prefixed strings: the toolchain
 * version (`go1.22.3`) and the module info text framed by two 16-byte binary sentinels.
 *
 * Binaries from Go < 1.18 keep pointers to the strings instead (resolved through the program
 * headers); they are not read: that toolchain has been out of support since 2022.
 */
const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_SIZE = 32;
const FLAG_INLINE = 0x2;
const MAX_STRING_BYTES = 4 * 1024 * 1024;
const SENTINEL = 16;

export interface GoBuildInfo {
  readonly goVersion: string;
  /** The module info text, sentinels removed: `path`, `mod`, `dep`, `=>` and `build` lines. */
  readonly modInfo: string;
}

const MACHO_MAGICS = new Set([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe]);

/** ELF, Mach-O or PE: the containers Go writes (a script with the executable bit is not looked into). */
export function isExecutableFormat(content: Buffer): boolean {
  if (content.length < 64) return false;
  if (isElf(content)) return true;
  if (MACHO_MAGICS.has(content.readUInt32BE(0))) return true;
  return content[0] === 0x4d && content[1] === 0x5a; // PE: "MZ"
}

/**
 * The build info of a Go binary, or undefined. An ELF file is looked up by its `.go.buildinfo`
 * section; other formats (and ELF files whose section headers were stripped) are searched
 * for the magic at 16-byte-aligned file offsets, which is where the linker puts it. Either way the
 * search is one pass of `indexOf` over a view of the buffer.
 */
export function readGoBuildInfo(content: Buffer): GoBuildInfo | undefined {
  const section = isElf(content) ? findElfSection(content, '.go.buildinfo') : undefined;
  if (section !== undefined) return parseAt(section, alignedMagic(section));
  return parseAt(content, alignedMagic(content));
}

function alignedMagic(data: Buffer): number {
  let from = 0;
  for (;;) {
    const at = data.indexOf(MAGIC, from);
    if (at === -1 || at % 16 === 0) return at;
    from = at + 1;
  }
}

function parseAt(data: Buffer, at: number): GoBuildInfo | undefined {
  if (at < 0 || at + HEADER_SIZE > data.length) return undefined;
  const ptrSize = data[at + 14];
  const flags = data[at + 15] ?? 0;
  if ((ptrSize !== 4 && ptrSize !== 8) || (flags & FLAG_INLINE) === 0) return undefined;
  const version = readString(data, at + HEADER_SIZE);
  if (version === undefined) return undefined;
  const mod = readString(data, version.next);
  if (mod === undefined) return undefined;
  let modBytes = mod.bytes;
  // The module text sits between two 16-byte binary sentinels, the last one after a newline.
  if (modBytes.length >= 2 * SENTINEL + 1 && modBytes[modBytes.length - SENTINEL - 1] === 0x0a) {
    modBytes = modBytes.subarray(SENTINEL, modBytes.length - SENTINEL);
  }
  const goVersion = version.bytes.toString('utf8');
  if (goVersion === '') return undefined;
  return { goVersion, modInfo: modBytes.toString('utf8') };
}

function readString(data: Buffer, at: number): { bytes: Buffer; next: number } | undefined {
  let length = 0;
  let shift = 0;
  let pos = at;
  for (;;) {
    if (pos >= data.length || shift > 28) return undefined;
    const byte = data[pos++] as number;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
    shift += 7;
  }
  if (length > MAX_STRING_BYTES || pos + length > data.length) return undefined;
  return { bytes: data.subarray(pos, pos + length), next: pos + length };
}
