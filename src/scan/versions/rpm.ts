import { checkBounds, compareBytes, isAsciiLetter, isDigit, isDigits, stripZeros, type Ordering, type Scheme } from './scheme.js';

/**
 * RPM versions (Red Hat, Fedora, AlmaLinux, Rocky, SUSE, openEuler, Mageia): `[epoch:]version[-release]`,
 * each part ordered by `rpmvercmp` with `~` (before everything, even the end) and `^` (after
 * the end, before anything more).
 */
export interface RpmVersion {
  epoch: string;
  version: string;
  /** With its leading hyphen, so that `1-` sorts after `1`. */
  release: string;
}

const LABEL = 'RPM';

function parse(text: string): RpmVersion {
  checkBounds(LABEL, text);
  // A colon after something other than digits is part of the version (module streams use them).
  const colon = text.indexOf(':');
  const hasEpoch = colon >= 0 && (colon === 0 || isDigits(text.slice(0, colon)));
  const epoch = hasEpoch ? text.slice(0, colon) || '0' : '0';
  const rest = hasEpoch ? text.slice(colon + 1) : text;
  const hyphen = rest.indexOf('-');
  if (hyphen < 0) return { epoch, version: rest, release: '' };
  return { epoch, version: rest.slice(0, hyphen), release: rest.slice(hyphen) };
}

function separator(c: string | undefined): boolean {
  return c !== undefined && !isAsciiLetter(c) && !isDigit(c) && c !== '~' && c !== '^';
}

/** rpm's `rpmvercmp`, as osv-scalibr states it step by step; an empty part is older than any other. */
export function rpmvercmp(a: string, b: string): Ordering {
  if (a === '' || b === '') return a === b ? 0 : a === '' ? -1 : 1;
  let i = 0;
  let j = 0;
  for (;;) {
    while (separator(a[i])) i++;
    while (separator(b[j])) j++;
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (a[i] === '^' || b[j] === '^') {
      if (a[i] !== '^') return i === a.length ? -1 : 1;
      if (b[j] !== '^') return j === b.length ? 1 : -1;
      i++;
      j++;
      continue;
    }
    if (i === a.length || j === b.length) break;
    const numeric = isDigit(a[i]);
    const same = numeric ? isDigit : isAsciiLetter;
    const startA = i;
    while (i < a.length && same(a[i])) i++;
    const startB = j;
    while (j < b.length && same(b[j])) j++;
    // A number is newer than letters.
    if (startB === j) return numeric ? 1 : -1;
    let x = a.slice(startA, i);
    let y = b.slice(startB, j);
    if (numeric) {
      x = stripZeros(x);
      y = stripZeros(y);
      if (x.length !== y.length) return x.length < y.length ? -1 : 1;
    }
    const diff = compareBytes(x, y);
    if (diff !== 0) return diff;
  }
  if (i === a.length && j === b.length) return 0;
  return i === a.length ? -1 : 1;
}

function compare(a: RpmVersion, b: RpmVersion): Ordering {
  return rpmvercmp(a.epoch, b.epoch) || rpmvercmp(a.version, b.version) || rpmvercmp(a.release, b.release);
}

export const rpm: Scheme<RpmVersion> = { name: 'rpm', label: LABEL, parse, compare };
