import { InvalidVersionError } from './errors.js';
import { checkBounds, compareBytes, compareLists, compareNumbers, isDigit, isDigits, stripZeros, type Ordering, type Scheme } from './scheme.js';

/**
 * SemVer 2.0 precedence (§11) for npm, crates.io, Go modules, Hex, Pub-like data and OSV
 * `SEMVER` ranges, read leniently the way OSV's tooling (osv-scalibr) does: an optional leading
 * `v` (Go), numbers of any size, fewer than three numbers (missing ones are 0), and build
 * metadata ignored (so Go's `+incompatible` changes nothing). The `semver` package is the
 * reference for strict versions (the tests compare against it) but cannot be used here: it
 * refuses numbers above 2^53 and versions without exactly three numbers, both in OSV data.
 */
export interface SemverVersion {
  numbers: string[];
  /** Pre-release identifiers; empty for a release. */
  prerelease: string[];
}

const LABEL = 'SemVer';

/** Splits `v1.2.3-pre.1+build` into its numbers and what follows them; `count` numbers are kept, the rest join the pre-release. */
export function parseSemverLike(label: string, text: string, count: number): SemverVersion {
  checkBounds(label, text);
  const body = text.startsWith('v') ? text.slice(1) : text;
  if (!isDigit(body[0])) throw new InvalidVersionError(label, text, 'it does not start with a number');
  if (!/^[0-9A-Za-z.+_-]+$/.test(body)) throw new InvalidVersionError(label, text, 'it has a character other than letters, digits and . + - _');
  const numbers: string[] = [];
  let at = 0;
  while (isDigit(body[at])) {
    const start = at;
    while (isDigit(body[at])) at++;
    numbers.push(body.slice(start, at));
    if (body[at] !== '.') break;
    at++;
  }
  // Numbers past the `count`th belong to the tail, as osv-scalibr has it (`1.2.3.4` orders as `1.2.3-.4`).
  const extra = numbers.splice(count).map((n) => `.${stripZeros(n)}`);
  let tail = extra.join('') + body.slice(at);
  const plus = tail.indexOf('+');
  if (plus >= 0) tail = tail.slice(0, plus);
  if (tail.startsWith('-')) tail = tail.slice(1);
  return { numbers, prerelease: tail === '' ? [] : tail.split('.') };
}

/** §11.4: numeric identifiers numerically and below alphanumeric ones, which compare in ASCII order. */
function compareIdentifier(a: string, b: string): Ordering {
  const x = isDigits(a);
  const y = isDigits(b);
  if (x && y) return compareNumbers(a, b);
  if (x !== y) return x ? -1 : 1;
  return compareBytes(a, b);
}

export function compareSemverLike(a: SemverVersion, b: SemverVersion): Ordering {
  for (let i = 0; i < Math.max(a.numbers.length, b.numbers.length); i++) {
    const diff = compareNumbers(a.numbers[i] ?? '0', b.numbers[i] ?? '0');
    if (diff !== 0) return diff;
  }
  // A pre-release is lower than the release itself.
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return a.prerelease.length === b.prerelease.length ? 0 : a.prerelease.length === 0 ? 1 : -1;
  return compareLists(a.prerelease, b.prerelease, compareIdentifier);
}

export const semver: Scheme<SemverVersion> = {
  name: 'semver',
  label: LABEL,
  parse: (text) => parseSemverLike(LABEL, text, 3),
  compare: compareSemverLike,
};
