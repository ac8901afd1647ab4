import { InvalidVersionError } from './errors.js';
import { checkBounds, compareBytes, compareNumbers, isDigits, type Ordering, type Scheme } from './scheme.js';

/**
 * RubyGems versions, as `Gem::Version` reads and orders them: `-` means `.pre.`; the version is
 * a list of number and letter segments; trailing zeros are dropped from the numbers before the
 * first letters and from what follows; a letter segment sorts before a number (so `1.0.a` is
 * a pre-release of `1.0`), numbers numerically, letters in byte order.
 */
export interface RubyGemsVersion {
  segments: string[];
}

const LABEL = 'RubyGems';
/** `Gem::Version::ANCHORED_VERSION_PATTERN`, without the surrounding whitespace (refused here). */
const PATTERN = /^[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

function parse(text: string): RubyGemsVersion {
  checkBounds(LABEL, text);
  if (!PATTERN.test(text)) throw new InvalidVersionError(LABEL, text, 'it is not numbers and letters joined by dots, with an optional -pre-release');
  const segments = text.replaceAll('-', '.pre.').match(/[0-9]+|[a-z]+/gi) ?? [];
  const firstLetters = segments.findIndex((s) => !isDigits(s));
  const split = firstLetters < 0 ? segments.length : firstLetters;
  return { segments: [...dropTrailingZeros(segments.slice(0, split)), ...dropTrailingZeros(segments.slice(split))] };
}

function dropTrailingZeros(segments: string[]): string[] {
  let end = segments.length;
  while (end > 0 && /^0+$/.test(segments[end - 1] ?? '')) end--;
  return segments.slice(0, end);
}

function compare(a: RubyGemsVersion, b: RubyGemsVersion): Ordering {
  for (let i = 0; i < Math.max(a.segments.length, b.segments.length); i++) {
    const x = a.segments[i] ?? '0';
    const y = b.segments[i] ?? '0';
    const xNumber = isDigits(x);
    const yNumber = isDigits(y);
    if (xNumber !== yNumber) return xNumber ? 1 : -1;
    const diff = xNumber ? compareNumbers(x, y) : compareBytes(x, y);
    if (diff !== 0) return diff;
  }
  return 0;
}

export const rubygems: Scheme<RubyGemsVersion> = { name: 'rubygems', label: LABEL, parse, compare };
