import { InvalidVersionError } from './errors.js';
import { checkBounds, compareNumbers, isAsciiLetter, isDigit, isDigits, sign, type Ordering, type Scheme } from './scheme.js';

/**
 * Debian and Ubuntu versions, `[epoch:]upstream_version[-debian_revision]` (Debian Policy
 * §5.6.12), ordered as dpkg's `verrevcmp` does.
 */
export interface DpkgVersion {
  epoch: string;
  upstream: string;
  /** '' when absent, which orders like '0' (`1.0 = 1.0-0`). */
  revision: string;
}

const LABEL = 'Debian';
/** dpkg keeps the epoch in a C int and refuses anything larger. */
const MAX_EPOCH = '2147483647';

function parse(text: string): DpkgVersion {
  checkBounds(LABEL, text);
  const refuse = (reason: string): never => {
    throw new InvalidVersionError(LABEL, text, reason);
  };
  let rest = text;
  let epoch = '0';
  const colon = text.indexOf(':');
  if (colon >= 0) {
    epoch = text.slice(0, colon);
    if (epoch === '') refuse('the epoch before the colon is empty');
    if (!isDigits(epoch)) refuse('the epoch is not a number');
    if (compareNumbers(epoch, MAX_EPOCH) > 0) refuse('the epoch is too big');
    rest = text.slice(colon + 1);
    if (rest === '') refuse('nothing follows the epoch');
  }
  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const revision = hyphen >= 0 ? rest.slice(hyphen + 1) : '';
  if (hyphen >= 0 && revision === '') refuse('the revision after the last hyphen is empty');
  if (upstream === '') refuse('the upstream version is empty');
  // Policy's rules, which dpkg itself only warns about; a version breaking them never
  // comes out of a Debian archive.
  if (!isDigit(upstream[0])) refuse('the upstream version does not start with a digit');
  if (!/^[0-9A-Za-z.+~:-]+$/.test(upstream)) refuse('the upstream version has a character other than letters, digits and . + ~ : -');
  if (!/^[0-9A-Za-z.+~]*$/.test(revision)) refuse('the revision has a character other than letters, digits and . + ~');
  return { epoch, upstream, revision };
}

/** dpkg's weight of a character in a non-digit run: `~` before the end, the end before letters, letters before the rest. */
function order(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (isAsciiLetter(c)) return c.charCodeAt(0);
  if (c === '~') return -1;
  return c.charCodeAt(0) + 256;
}

/** dpkg's `verrevcmp`: alternating non-digit runs (by `order`) and digit runs (as integers). */
export function verrevcmp(a: string, b: string): Ordering {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const diff = order(a[i]) - order(b[j]);
      if (diff !== 0) return sign(diff);
      i++;
      j++;
    }
    const startA = i;
    while (isDigit(a[i])) i++;
    const startB = j;
    while (isDigit(b[j])) j++;
    const diff = compareNumbers(a.slice(startA, i) || '0', b.slice(startB, j) || '0');
    if (diff !== 0) return diff;
  }
  return 0;
}

function compare(a: DpkgVersion, b: DpkgVersion): Ordering {
  return compareNumbers(a.epoch, b.epoch) || verrevcmp(a.upstream, b.upstream) || verrevcmp(a.revision, b.revision);
}

export const dpkg: Scheme<DpkgVersion> = { name: 'dpkg', label: LABEL, parse, compare };
