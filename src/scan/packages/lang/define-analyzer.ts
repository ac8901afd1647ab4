import type { AnalyzedFile, FileAnalyzer, InstalledPackage } from '../../inventory/types.js';

/** Executables run to a few hundred MiB (kubelet, terraform providers); the binary analyzers read them in one linear pass. */
export const MAX_EXECUTABLE_BYTES = 256 * 1024 * 1024;

/** What each language analyzer declares; `parse` may throw on malformed content. */
export interface AnalyzerDefinition {
  readonly name: string;
  readonly maxBytes: number;
  wants(path: string, size: number, mode: number): boolean;
  parse(file: AnalyzedFile): InstalledPackage[];
}

/**
 * A FileAnalyzer whose `analyze` never throws: files in an image are untrusted, and one malformed
 * package.json or jar must not abort the scan of the layer, so whatever the parser refuses (bad
 * JSON, a truncated zip, a zlib stream over its bound) reads as "no packages here".
 */
export function defineAnalyzer(definition: AnalyzerDefinition): FileAnalyzer {
  return {
    name: definition.name,
    maxBytes: definition.maxBytes,
    wants: (path, size, mode) => size <= definition.maxBytes && definition.wants(path, size, mode),
    analyze(file) {
      if (file.content.length > definition.maxBytes) return [];
      try {
        return definition.parse(file);
      } catch {
        return [];
      }
    },
  };
}

/** The last segment of a `/`-separated path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** A non-empty string value with no control characters, at most `max` long, trimmed; otherwise undefined. */
export function cleanString(value: unknown, max = 256): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.length > max) return undefined;
  for (let i = 0; i < trimmed.length; i++) {
    const code = trimmed.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return undefined;
  }
  return trimmed;
}

/** Parses JSON text into a plain object, or undefined for anything else (JSON.parse is linear; its errors are caught by the caller's guard). */
export function parseJsonObject(content: Buffer): Record<string, unknown> | undefined {
  let text = content.toString('utf8');
  // Windows tools (dotnet, some editors) write a byte-order mark that JSON.parse refuses.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const value: unknown = JSON.parse(text);
  return isRecord(value) ? value : undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
