import { VERSION_PATTERN } from '@renovatebot/pep440/lib/version.js';
import { checkBounds, compareBytes, compareLists, compareNumbers, isDigits, type Ordering, type Scheme } from './scheme.js';

/**
 * PyPI versions. A PEP 440 version (grammar from `@renovatebot/pep440`, the PEP's own regular
 * expression) orders by epoch, release, pre, post, dev and local segment, as `packaging` does;
 * the numbers are compared as digit strings, since `@renovatebot/pep440`'s own comparison
 * turns them into JavaScript numbers and loses precision past 2^53. Anything else is a
 * pre-PEP 440 "legacy" version (old releases still listed in OSV records): it sorts before
 * every PEP 440 version and among legacy ones by setuptools' old key, as `packaging` < 22 and
 * osv-scalibr do.
 */
export type PypiVersion = { kind: 'pep440'; key: Pep440Key } | { kind: 'legacy'; parts: string[] };

interface Pep440Key {
  epoch: string;
  /** Without trailing zeros (`1.0 = 1`). */
  release: string[];
  /** Letter (`a`, `b`, `rc`) and number, or null. */
  pre: [string, string] | null;
  post: string | null;
  dev: string | null;
  local: string[] | null;
}

const LABEL = 'PyPI';
const PEP440 = new RegExp(`^${VERSION_PATTERN}$`, 'i');

function parse(text: string): PypiVersion {
  checkBounds(LABEL, text);
  const lower = text.toLowerCase();
  const groups = PEP440.exec(lower)?.groups;
  if (!groups) return { kind: 'legacy', parts: legacyParts(lower) };
  const release = (groups.release ?? '0').split('.');
  while (release.length > 1 && /^0+$/.test(release[release.length - 1] ?? '')) release.pop();
  const preLetter = groups.pre_l;
  const postNumber = groups.post_n1 ?? groups.post_n2;
  return {
    kind: 'pep440',
    key: {
      epoch: groups.epoch ?? '0',
      release,
      pre: preLetter === undefined ? null : [normalPre(preLetter), groups.pre_n ?? '0'],
      post: groups.post_l !== undefined || postNumber !== undefined ? (postNumber ?? '0') : null,
      dev: groups.dev_l !== undefined ? (groups.dev_n ?? '0') : null,
      local: groups.local === undefined ? null : groups.local.split(/[-_.]/),
    },
  };
}

function normalPre(letter: string): string {
  if (letter === 'alpha') return 'a';
  if (letter === 'beta') return 'b';
  if (letter === 'c' || letter === 'pre' || letter === 'preview') return 'rc';
  return letter;
}

/** setuptools' legacy key: digit runs zero-padded, words marked with `*`, trailing zeros and `final-` markers dropped. */
function legacyParts(lower: string): string[] {
  const parts: string[] = [];
  for (const raw of [...(lower.match(/\d+|[a-z]+|\.|-/g) ?? []), 'final']) {
    if (raw === '.') continue;
    const word = raw === 'pre' || raw === 'preview' || raw === 'rc' ? 'c' : raw === '-' ? 'final-' : raw === 'dev' ? '@' : raw;
    const part = isDigits(word) ? word.padStart(8, '0') : `*${word}`;
    if (part.startsWith('*')) {
      if (part < '*final') while (parts[parts.length - 1] === '*final-') parts.pop();
      while (parts[parts.length - 1] === '00000000') parts.pop();
    }
    parts.push(part);
  }
  return parts;
}

/** `packaging`'s ordering of optional segments: which side an absent one sorts to. */
function optional<T>(a: T | null, b: T | null, absent: Ordering, compare: (x: T, y: T) => Ordering): Ordering {
  if (a === null || b === null) return a === b ? 0 : a === null ? absent : (-absent as Ordering);
  return compare(a, b);
}

/** Local segments: numbers numerically and above words, words in lower-case ASCII order. */
function compareLocalPart(a: string, b: string): Ordering {
  const x = isDigits(a);
  const y = isDigits(b);
  if (x && y) return compareNumbers(a, b);
  if (x !== y) return x ? 1 : -1;
  return compareBytes(a, b);
}

function comparePep440(a: Pep440Key, b: Pep440Key): Ordering {
  const epoch = compareNumbers(a.epoch, b.epoch);
  if (epoch !== 0) return epoch;
  for (let i = 0; i < Math.max(a.release.length, b.release.length); i++) {
    const diff = compareNumbers(a.release[i] ?? '0', b.release[i] ?? '0');
    if (diff !== 0) return diff;
  }
  // A bare dev release (`1.0.dev1`) comes before the pre-releases of its version.
  const devOnlyA = a.pre === null && a.post === null && a.dev !== null;
  const devOnlyB = b.pre === null && b.post === null && b.dev !== null;
  if (devOnlyA || devOnlyB) {
    if (devOnlyA !== devOnlyB) return devOnlyA ? -1 : 1;
  } else {
    const pre = optional(a.pre, b.pre, 1, (x, y) => compareBytes(x[0], y[0]) || compareNumbers(x[1], y[1]));
    if (pre !== 0) return pre;
  }
  return (
    optional(a.post, b.post, -1, compareNumbers) ||
    optional(a.dev, b.dev, 1, compareNumbers) ||
    optional(a.local, b.local, -1, (x, y) => compareLists(x, y, compareLocalPart))
  );
}

function compare(a: PypiVersion, b: PypiVersion): Ordering {
  if (a.kind === 'legacy' || b.kind === 'legacy') {
    if (a.kind !== b.kind) return a.kind === 'legacy' ? -1 : 1;
    return a.kind === 'legacy' && b.kind === 'legacy' ? compareLists(a.parts, b.parts, compareBytes) : 0;
  }
  return comparePep440(a.key, b.key);
}

export const pypi: Scheme<PypiVersion> = { name: 'pep440', label: LABEL, parse, compare };
