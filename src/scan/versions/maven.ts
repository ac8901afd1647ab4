import { checkBounds, compareBytes, compareNumbers, isDigits, stripZeros, type Ordering, type Scheme } from './scheme.js';

/**
 * Maven versions, ordered by the POM reference's "Version Order Specification" (what Maven's
 * ComparableVersion implements), as osv-scalibr reads it: tokens split at `.`, `-` and at
 * digit/letter transitions (which count as `-`); trailing null tokens (`0`, '', `ga`, `final`,
 * `release`) trimmed before each hyphen; the shorter version padded with nulls; qualifiers
 * alpha < beta < milestone < rc = cr < snapshot < '' = ga = final = release < sp < others
 * (alphabetically); `a1`, `b1`, `m1` short for alpha, beta, milestone.
 */
export interface MavenVersion {
  tokens: Token[];
}

interface Token {
  /** '' for the first token only. */
  prefix: '' | '.' | '-';
  value: string;
  /** Padding added to the shorter version while comparing. */
  padding: boolean;
}

const LABEL = 'Maven';
const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const ALIASES: Record<string, string> = { cr: 'rc', ga: '', final: '', release: '' };
const SHORT: Record<string, string> = { a: 'alpha', b: 'beta', m: 'milestone' };

function parse(text: string): MavenVersion {
  checkBounds(LABEL, text);
  const tokens: Token[] = [];
  let prefix: Token['prefix'] = '';
  for (const piece of text.split(/([.-])/)) {
    if (piece === '.' || piece === '-') {
      prefix = piece;
      continue;
    }
    // Runs of digits and of non-digits; every run after the first is hyphen-prefixed.
    const runs = piece.match(/\d+|\D+/g) ?? [''];
    runs.forEach((run, i) => {
      let value = run.toLowerCase() || '0';
      value = ALIASES[value] ?? value;
      if (i < runs.length - 1) value = SHORT[value] ?? value;
      if (isDigits(value)) value = stripZeros(value);
      tokens.push({ prefix: i === 0 ? prefix : '-', value, padding: false });
    });
  }
  return { tokens: trimNulls(tokens) };
}

function isNull(token: Token): boolean {
  return token.value === '0' || token.value === '';
}

/** From the end, drop null tokens; at the first other one, jump to before the hyphen that starts its group and go on. */
function trimNulls(tokens: Token[]): Token[] {
  const dropped = new Set<number>();
  let i = tokens.length - 1;
  while (i > 0) {
    if (isNull(tokens[i] as Token)) {
      dropped.add(i);
      i--;
      continue;
    }
    while (i >= 0 && tokens[i]?.prefix !== '-') i--;
    i--;
  }
  return tokens.filter((_, index) => !dropped.has(index));
}

/** What the shorter version is padded with, opposite `other`: 0 after a dot (but '' opposite `.sp`), '' after a hyphen. */
function paddingFor(other: Token): Token {
  if (other.prefix === '-') return { prefix: '-', value: '', padding: true };
  return { prefix: '.', value: other.value === 'sp' ? '' : '0', padding: true };
}

/** `.qualifier` < `-qualifier` < `-number` < `.number`. */
function prefixRank(token: Token): number {
  const hyphen = token.prefix === '-';
  if (isDigits(token.value)) return hyphen ? 2 : 3;
  return hyphen ? 1 : 0;
}

function qualifierRank(value: string): number {
  const rank = QUALIFIERS.indexOf(value);
  return rank < 0 ? QUALIFIERS.length : rank;
}

function lessThan(a: Token, b: Token): boolean {
  if (a.prefix !== b.prefix) return prefixRank(a) < prefixRank(b);
  const x = isDigits(a.value);
  const y = isDigits(b.value);
  if (x && y) return compareNumbers(a.value, b.value) < 0;
  // Numbers sort after qualifiers, except padding.
  if (x && !a.padding) return false;
  if (y && !b.padding) return true;
  const rankA = qualifierRank(a.value);
  const rankB = qualifierRank(b.value);
  if (rankA === QUALIFIERS.length && rankB === QUALIFIERS.length) return compareBytes(a.value, b.value) < 0;
  return rankA < rankB;
}

function same(a: Token, b: Token): boolean {
  return a.prefix === b.prefix && a.value === b.value;
}

function compare(a: MavenVersion, b: MavenVersion): Ordering {
  if (a.tokens.length === b.tokens.length && a.tokens.every((t, i) => same(t, b.tokens[i] as Token))) return 0;
  for (let i = 0; i < Math.max(a.tokens.length, b.tokens.length); i++) {
    const left = a.tokens[i] ?? paddingFor(b.tokens[i] as Token);
    const right = b.tokens[i] ?? paddingFor(a.tokens[i] as Token);
    if (same(left, right)) continue;
    return lessThan(left, right) ? -1 : 1;
  }
  return 1;
}

export const maven: Scheme<MavenVersion> = { name: 'maven', label: LABEL, parse, compare };
