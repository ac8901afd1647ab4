import { inflateSync } from 'node:zlib';
import type { InstalledPackage } from '../../inventory/types.js';
import { cleanString, defineAnalyzer, isRecord, MAX_EXECUTABLE_BYTES } from './define-analyzer.js';
import { findElfSection, isElf } from './elf.js';
import { purl } from './purl.js';

/** cargo-auditable's own reader refuses more than 8 MiB of dependency JSON; so do we. */
const MAX_JSON_BYTES = 8 * 1024 * 1024;
const MAX_PACKAGES = 50_000;

/**
 * Crates compiled into a Rust executable built with cargo-auditable: the ELF section `.dep-v0`
 * holds zlib-compressed JSON `{"packages":[{name, version, source, kind?, dependencies?, root?}]}`.
 * Like Trivy, only runtime crates are reported (`kind` absent or `runtime`); build-time crates
 * (`kind: "build"`, proc-macros, build scripts) are not in the binary. PE and Mach-O binaries
 * (section `.dep-v0` / `__DATA,.dep-v0`) are not read.
 */
export const rustAuditableAnalyzer = defineAnalyzer({
  name: 'cargo-auditable',
  maxBytes: MAX_EXECUTABLE_BYTES,
  wants: (_path, _size, mode) => (mode & 0o111) !== 0,
  parse(file) {
    if (!isElf(file.content)) return [];
    const section = findElfSection(file.content, '.dep-v0');
    if (section === undefined || section.length === 0) return [];
    const json: unknown = JSON.parse(inflateSync(section, { maxOutputLength: MAX_JSON_BYTES }).toString('utf8'));
    if (!isRecord(json) || !Array.isArray(json.packages)) return [];
    const out: InstalledPackage[] = [];
    for (const entry of json.packages.slice(0, MAX_PACKAGES)) {
      if (!isRecord(entry) || (entry.kind !== undefined && entry.kind !== 'runtime')) continue;
      const name = cleanString(entry.name, 128);
      const version = cleanString(entry.version, 128);
      if (name === undefined || version === undefined) continue;
      out.push({ type: 'cargo', name, version, purl: purl('cargo', undefined, name, version), path: file.path });
    }
    return out;
  },
});
