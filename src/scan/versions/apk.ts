import { checkBounds, compareBytes, compareNumbers, isDigit, sign, type Ordering, type Scheme } from './scheme.js';

/**
 * Alpine (and Wolfi, Chainguard) versions: `digit{.digit}...{letter}{_suffix{digit}}...{~hash}{-r#}`,
 * ordered like apk-tools' version.c as osv-scalibr reads it (whose vectors define the expected
 * results, including for strings apk itself calls invalid: apk still orders them).
 */
export interface ApkVersion {
  text: string;
  /** Something other than `-r<digits>` was left after the suffixes and hash. */
  invalid: boolean;
  numbers: { digits: string; position: number }[];
  letter: string;
  suffixes: { weight: number; digits: string }[];
  /** The `-r` revision; 0 when absent. */
  revision: string;
  /** What follows the revision, if anything. */
  remainder: string;
}

const LABEL = 'Alpine';
/** Pre-release suffixes sort below no suffix, post-release ones above it. */
const SUFFIX_WEIGHTS: Record<string, number> = { alpha: 0, beta: 1, pre: 2, rc: 3, cvs: 5, svn: 6, git: 7, hg: 8, p: 9 };
const NO_SUFFIX = { weight: 4, digits: '0' };
const SUFFIX = /_(alpha|beta|pre|rc|cvs|svn|git|hg|p)(\d*)/g;

function parse(text: string): ApkVersion {
  checkBounds(LABEL, text);
  const numbers: ApkVersion['numbers'] = [];
  let at = 0;
  while (isDigit(text[at])) {
    const start = at;
    while (isDigit(text[at])) at++;
    numbers.push({ digits: text.slice(start, at), position: numbers.length });
    if (text[at] === '.') at++;
  }
  let rest = text.slice(at);
  let letter = '';
  if (/^[a-z]/.test(rest)) {
    letter = rest.slice(0, 1);
    rest = rest.slice(1);
  }
  // As in osv-scalibr: every suffix in the rest counts, but only those at its front are consumed.
  const suffixes: ApkVersion['suffixes'] = [];
  for (const match of rest.matchAll(SUFFIX)) {
    suffixes.push({ weight: SUFFIX_WEIGHTS[match[1] ?? 'p'] ?? 9, digits: match[2] || '0' });
    if (rest.startsWith(match[0])) rest = rest.slice(match[0].length);
  }
  const hash = /^~[0-9a-f]+/.exec(rest);
  if (hash) rest = rest.slice(hash[0].length);
  if (rest === '') return { text, invalid: false, numbers, letter, suffixes, revision: '0', remainder: '' };
  const revision = /^-r(\d*)/.exec(rest);
  if (!revision) return { text, invalid: true, numbers, letter, suffixes, revision: '0', remainder: rest };
  return { text, invalid: false, numbers, letter, suffixes, revision: revision[1] || '0', remainder: rest.slice(revision[0].length) };
}

/** After the first number, a component with a leading zero is compared as text (apk's fractional rule). */
function compareNumber(a: ApkVersion['numbers'][number], b: ApkVersion['numbers'][number]): Ordering {
  if (a.position !== 0 && b.position !== 0 && (a.digits.startsWith('0') || b.digits.startsWith('0'))) return compareBytes(a.digits, b.digits);
  return compareNumbers(a.digits, b.digits);
}

function compare(a: ApkVersion, b: ApkVersion): Ordering {
  if (a.invalid && b.invalid) return compareBytes(a.text, b.text);
  const zero = { digits: '0', position: 0 };
  for (let i = 0; i < Math.max(a.numbers.length, b.numbers.length); i++) {
    const diff = compareNumber(a.numbers[i] ?? zero, b.numbers[i] ?? zero);
    if (diff !== 0) return diff;
  }
  if (a.letter !== b.letter) return a.letter === '' ? -1 : b.letter === '' ? 1 : compareBytes(a.letter, b.letter);
  for (let i = 0; i < Math.max(a.suffixes.length, b.suffixes.length); i++) {
    const x = a.suffixes[i] ?? NO_SUFFIX;
    const y = b.suffixes[i] ?? NO_SUFFIX;
    const diff = sign(x.weight - y.weight) || compareNumbers(x.digits, y.digits);
    if (diff !== 0) return diff;
  }
  const revision = compareNumbers(a.revision, b.revision);
  if (revision !== 0) return revision;
  // A version that ends cleanly is newer than the same version followed by leftovers.
  return sign((a.remainder === '' ? 1 : 0) - (b.remainder === '' ? 1 : 0));
}

export const apk: Scheme<ApkVersion> = { name: 'apk', label: LABEL, parse, compare };
