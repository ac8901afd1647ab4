/**
 * Just enough ELF to find a section by name inside a Buffer: the section header table and the
 * section-name string table. Every offset is checked against the buffer; the result is a view
 * (`subarray`), never a copy. Anything that does not add up reads as "no such section".
 */
const ELF_MAGIC = 0x7f454c46;
const MAX_SECTION_NAME = 256;

export function isElf(content: Buffer): boolean {
  return content.length >= 64 && content.readUInt32BE(0) === ELF_MAGIC;
}

interface ElfLayout {
  readonly is64: boolean;
  readonly littleEndian: boolean;
}

interface SectionHeader {
  readonly nameOffset: number;
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}

const SHT_NOBITS = 8;

export function findElfSection(content: Buffer, name: string): Buffer | undefined {
  if (!isElf(content)) return undefined;
  const elfClass = content[4];
  const data = content[5];
  if ((elfClass !== 1 && elfClass !== 2) || (data !== 1 && data !== 2)) return undefined;
  const layout: ElfLayout = { is64: elfClass === 2, littleEndian: data === 1 };
  const shoff = readWord(content, layout, layout.is64 ? 0x28 : 0x20);
  const shentsize = read16(content, layout, layout.is64 ? 0x3a : 0x2e);
  const shnum = read16(content, layout, layout.is64 ? 0x3c : 0x30);
  const shstrndx = read16(content, layout, layout.is64 ? 0x3e : 0x32);
  const minEntry = layout.is64 ? 64 : 40;
  if (shoff === undefined || shentsize < minEntry || shnum === 0 || shstrndx >= shnum) return undefined;
  if (shoff + shnum * shentsize > content.length) return undefined;
  const header = (index: number): SectionHeader | undefined => sectionHeader(content, layout, shoff + index * shentsize);
  const strtab = header(shstrndx);
  if (strtab === undefined || strtab.offset + strtab.size > content.length) return undefined;
  for (let i = 0; i < shnum; i++) {
    const section = header(i);
    if (section === undefined || section.type === SHT_NOBITS || section.nameOffset >= strtab.size) continue;
    const nameStart = strtab.offset + section.nameOffset;
    const nameEnd = content.indexOf(0, nameStart);
    if (nameEnd === -1 || nameEnd - nameStart > MAX_SECTION_NAME || nameEnd > strtab.offset + strtab.size) continue;
    if (content.toString('latin1', nameStart, nameEnd) !== name) continue;
    if (section.offset + section.size > content.length) return undefined;
    return content.subarray(section.offset, section.offset + section.size);
  }
  return undefined;
}

function sectionHeader(content: Buffer, layout: ElfLayout, at: number): SectionHeader | undefined {
  const nameOffset = read32(content, layout, at);
  const type = read32(content, layout, at + 4);
  const offset = readWord(content, layout, at + (layout.is64 ? 0x18 : 0x10));
  const size = readWord(content, layout, at + (layout.is64 ? 0x20 : 0x14));
  if (offset === undefined || size === undefined) return undefined;
  return { nameOffset, type, offset, size };
}

function read16(content: Buffer, layout: ElfLayout, at: number): number {
  return layout.littleEndian ? content.readUInt16LE(at) : content.readUInt16BE(at);
}

function read32(content: Buffer, layout: ElfLayout, at: number): number {
  return layout.littleEndian ? content.readUInt32LE(at) : content.readUInt32BE(at);
}

/** An address-sized field; undefined when a 64-bit value is beyond what a Buffer can index. */
function readWord(content: Buffer, layout: ElfLayout, at: number): number | undefined {
  if (!layout.is64) return read32(content, layout, at);
  const value = layout.littleEndian ? content.readBigUInt64LE(at) : content.readBigUInt64BE(at);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(value);
}
