/**
 * RFC 822-style header blocks, as Python's core metadata (METADATA, PKG-INFO) and Java's
 * MANIFEST.MF write them: `Key: value` lines, continuation lines starting with whitespace, the
 * block ending at the first blank line. Read line by line (no regular expressions over the
 * content), bounded by line count.
 */
export interface HeaderOptions {
  /** Python keeps a folded line's text after a newline; a manifest joins a folded line's text directly (the 72-byte wrap). */
  readonly fold: 'newline' | 'concat';
  readonly maxLines: number;
}

/** Every header in the first block, in order; repeated keys (Classifier) keep every value. */
export function readHeaders(text: string, options: HeaderOptions): [string, string][] {
  const headers: [string, string][] = [];
  let start = 0;
  for (let lines = 0; start <= text.length && lines < options.maxLines; lines++) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') break;
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      const last = headers[headers.length - 1];
      if (last !== undefined) last[1] += options.fold === 'concat' ? line.slice(1) : `\n${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return headers;
}

/** The first value of `key` (case-insensitive, as both formats treat keys). */
export function headerValue(headers: readonly [string, string][], key: string): string | undefined {
  const lower = key.toLowerCase();
  return headers.find(([k]) => k.toLowerCase() === lower)?.[1];
}
