import { checkBounds, compareNumbers, isDigit, isDigits, sign, type Ordering, type Scheme } from './scheme.js';

/**
 * Packagist (Composer) versions, ordered like PHP's `version_compare` after a leading `v` is
 * dropped, as osv-scalibr does: `-`, `_` and `+` become dots, dots go between digits and
 * letters, and the parts compare as numbers or as the special forms
 * dev < alpha = a < beta = b < RC = rc < (number) < pl = p (anything else ranks with dev).
 * Approximation: Composer first normalises versions to four numbers (`1.0` is `1.0.0.0`), so
 * for Composer `1.0 = 1.0.0` while here, as in `version_compare`, `1.0 < 1.0.0`; OSV's
 * Packagist records come from GitHub's advisories, which write versions the same way in
 * ranges and in tags, so this rarely matters.
 */
export interface PackagistVersion {
  parts: string[];
}

const LABEL = 'Packagist';
const SPECIAL_FORMS = ['dev', 'a', 'b', 'rc', '#', 'p'];
/** Where a number stands among the special forms. */
const NUMBER = '#';

function parse(text: string): PackagistVersion {
  checkBounds(LABEL, text);
  let canonical = '';
  const body = text.replace(/^[vV]/, '').replace(/[-_+]/g, '.');
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    const previous = body[i - 1];
    if (i > 0 && c !== '.' && previous !== '.' && isDigit(c) !== isDigit(previous)) canonical += '.';
    canonical += c;
  }
  return { parts: canonical.split('.') };
}

function rank(form: string): number {
  if (form.startsWith('RC')) return 3;
  const index = SPECIAL_FORMS.findIndex((special) => form.startsWith(special));
  return index < 0 ? 0 : index;
}

function compareParts(a: readonly string[], b: readonly string[]): Ordering {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    const diff = isDigits(x) && isDigits(y) ? compareNumbers(x, y) : sign(rank(isDigits(x) ? NUMBER : x) - rank(isDigits(y) ? NUMBER : y));
    if (diff !== 0) return diff;
  }
  // The longer version goes on: a number makes it newer; a special form is weighed against a number.
  if (a.length === b.length) return 0;
  const longer = a.length > b.length ? a : b;
  const flip = a.length > b.length ? 1 : -1;
  for (let i = Math.min(a.length, b.length); i < longer.length; i++) {
    const part = longer[i] as string;
    if (isDigits(part)) return flip;
    const diff = sign(rank(part) - rank(NUMBER));
    if (diff !== 0) return diff === flip ? 1 : -1;
  }
  return 0;
}

function compare(a: PackagistVersion, b: PackagistVersion): Ordering {
  return compareParts(a.parts, b.parts);
}

export const packagist: Scheme<PackagistVersion> = { name: 'packagist', label: LABEL, parse, compare };
