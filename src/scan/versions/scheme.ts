import { InvalidVersionError } from './errors.js';

export type Ordering = -1 | 0 | 1;

/** The version orderings this module knows; several OSV ecosystems share one. */
export type SchemeName = 'dpkg' | 'apk' | 'rpm' | 'semver' | 'nuget' | 'pep440' | 'maven' | 'rubygems' | 'packagist';

/** How one ecosystem family reads and orders its versions. `parse` throws InvalidVersionError. */
export interface Scheme<Key> {
  readonly name: SchemeName;
  /** The name used in error messages (`Debian version`, `PyPI version`). */
  readonly label: string;
  parse(text: string): Key;
  compare(a: Key, b: Key): Ordering;
}

/** Longer strings are refused before any parsing, so every comparison stays cheap. */
export const MAX_VERSION_LENGTH = 256;

/**
 * What no ecosystem accepts: an empty string, one over MAX_VERSION_LENGTH characters, and
 * whitespace or control characters anywhere (versions in package databases and OSV records
 * never carry them; a stray newline is a parsing mistake upstream, not a version).
 */
export function checkBounds(label: string, text: string): void {
  if (text.length === 0) throw new InvalidVersionError(label, text, 'it is empty');
  if (text.length > MAX_VERSION_LENGTH) throw new InvalidVersionError(label, text, `it is longer than ${MAX_VERSION_LENGTH} characters`);
  if (/[\s\p{Cc}]/u.test(text)) throw new InvalidVersionError(label, text, 'it contains whitespace or a control character');
}

export function sign(n: number): Ordering {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

export function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

export function isAsciiLetter(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

export function isDigits(text: string): boolean {
  return /^[0-9]+$/.test(text);
}

/** Two runs of ASCII digits as unbounded integers: leading zeros ignored, then length, then digit by digit. */
export function compareNumbers(a: string, b: string): Ordering {
  const x = stripZeros(a);
  const y = stripZeros(b);
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

export function stripZeros(digits: string): string {
  let i = 0;
  while (i < digits.length - 1 && digits[i] === '0') i++;
  return digits.slice(i);
}

/** Byte order of the UTF-8 encodings (C's strcmp, Go's strings.Compare, Ruby's <=>), not UTF-16 order. */
export function compareBytes(a: string, b: string): Ordering {
  if (a === b) return 0;
  return sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

/** Lists compared element by element; when one is a prefix of the other, the longer one is greater. */
export function compareLists<T>(a: readonly T[], b: readonly T[], compare: (x: T, y: T) => Ordering): Ordering {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const diff = compare(a[i] as T, b[i] as T);
    if (diff !== 0) return diff;
  }
  return sign(a.length - b.length);
}
