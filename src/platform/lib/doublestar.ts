import { z } from 'zod';

/**
 * Doublestar patterns, the one matcher for every user-supplied pattern (immutability rules,
 * retention selectors, repository patterns of members and robots).
 *
 * - `**` matches any run of characters, `/` included;
 * - `*` matches any run of characters within one path segment (no `/`);
 * - `?` matches one character other than `/`;
 * - `{a,b}` matches one of its alternatives, which may nest and hold wildcards; an unclosed `{`
 *   closes at the end of the pattern; `}` and `,` outside braces are literal;
 * - every other character is literal.
 *
 * In the `repository` syntax only `*` and `**` are special: `?`, `{`, `}` and `,` are literal.
 *
 * The pattern compiles to a nondeterministic automaton that is simulated over the subject one
 * character at a time, holding the set of live states: O(pattern × subject) time, no
 * backtracking, whatever the pattern. The first sets met, and the steps between them, are
 * remembered per pattern (a bounded, lazily built DFA), so most steps are one lookup.
 */
export type DoublestarSyntax = 'harbor' | 'repository';

/** What a pattern may hold, checked where patterns are accepted. */
export const DOUBLESTAR_LIMITS = {
  /** Characters in one pattern. */
  maxLength: 255,
  /** `*`, `**` and `?` wildcards in one pattern. */
  maxWildcards: 32,
  /** `{…}` groups in one pattern. */
  maxGroups: 16,
  /** Alternatives across all groups of one pattern. */
  maxAlternatives: 64,
  /** How deep `{…}` groups nest. */
  maxNesting: 3,
} as const;

type Item = { kind: 'char'; ch: string } | { kind: 'one' } | { kind: 'segment' } | { kind: 'any' } | { kind: 'group'; alternatives: Item[][] };

interface Shape {
  items: Item[];
  length: number;
  wildcards: number;
  groups: number;
  alternatives: number;
  nesting: number;
}

function parse(pattern: string, syntax: DoublestarSyntax): Shape {
  const shape: Shape = { items: [], length: pattern.length, wildcards: 0, groups: 0, alternatives: 0, nesting: 0 };
  const braces = syntax === 'harbor';
  // Open groups, innermost last: each holds its alternatives so far and where to resume.
  const open: Array<{ alternatives: Item[][]; outer: Item[] }> = [];
  let current = shape.items;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*' && pattern[i + 1] === '*') {
      current.push({ kind: 'any' });
      shape.wildcards++;
      i++;
    } else if (ch === '*') {
      current.push({ kind: 'segment' });
      shape.wildcards++;
    } else if (ch === '?' && braces) {
      current.push({ kind: 'one' });
      shape.wildcards++;
    } else if (ch === '{' && braces) {
      const group = { alternatives: [[]] as Item[][], outer: current };
      open.push(group);
      shape.groups++;
      shape.alternatives++;
      shape.nesting = Math.max(shape.nesting, open.length);
      current = group.alternatives[0]!;
    } else if (ch === ',' && braces && open.length > 0) {
      const group = open[open.length - 1]!;
      current = [];
      group.alternatives.push(current);
      shape.alternatives++;
    } else if (ch === '}' && braces && open.length > 0) {
      const group = open.pop()!;
      current = group.outer;
      current.push({ kind: 'group', alternatives: group.alternatives });
    } else {
      current.push({ kind: 'char', ch });
    }
  }
  while (open.length > 0) {
    const group = open.pop()!;
    current = group.outer;
    current.push({ kind: 'group', alternatives: group.alternatives });
  }
  return shape;
}

/**
 * Why a pattern is refused, or undefined when it is within {@link DOUBLESTAR_LIMITS}. The
 * matcher is linear for any pattern; the limits keep the work per match small.
 */
export function doublestarProblem(pattern: string, syntax: DoublestarSyntax = 'harbor'): string | undefined {
  const limits = DOUBLESTAR_LIMITS;
  if (pattern.length === 0) return 'a pattern must not be empty';
  if (pattern.length > limits.maxLength) return `a pattern has at most ${limits.maxLength} characters`;
  const shape = parse(pattern, syntax);
  if (shape.wildcards > limits.maxWildcards) return `a pattern has at most ${limits.maxWildcards} wildcards (*, ** and ?)`;
  if (shape.groups > limits.maxGroups) return `a pattern has at most ${limits.maxGroups} {…} groups`;
  if (shape.alternatives > limits.maxAlternatives) return `a pattern has at most ${limits.maxAlternatives} {…} alternatives in all`;
  if (shape.nesting > limits.maxNesting) return `{…} groups nest at most ${limits.maxNesting} deep`;
  return undefined;
}

// The automaton: state 0 accepts; every other state consumes one character, or is a split.
const ACCEPT = 0;
const CHAR = 1;
const ONE = 2;
const SEGMENT = 3;
const ANY = 4;
const SPLIT = 5;
const SLASH = 0x2f;

interface Automaton {
  size: number;
  kinds: Uint8Array;
  /** The character code a CHAR state consumes. */
  codes: Int32Array;
  /** The state after consuming (CHAR, ONE), after leaving the loop (SEGMENT, ANY). */
  next: Int32Array;
  /** A split's successors: `targets[splitFrom[s] .. splitFrom[s + 1])`. */
  splitFrom: Int32Array;
  targets: Int32Array;
  /** The live set before any character, and the sets met since, by their sorted states. */
  initial: LiveSet;
  sets: Map<string, LiveSet>;
}

function build(items: readonly Item[]): Automaton {
  const kinds: number[] = [ACCEPT];
  const codes: number[] = [0];
  const next: number[] = [-1];
  const splits: number[][] = [[]];
  const add = (kind: number, to: number, code = 0, outs: number[] = []): number => {
    kinds.push(kind);
    codes.push(code);
    next.push(to);
    splits.push(outs);
    return kinds.length - 1;
  };
  // Built back to front: each item's state leads to the state of what follows it.
  const sequence = (seq: readonly Item[], then: number): number => {
    let state = then;
    for (let i = seq.length - 1; i >= 0; i--) {
      const item = seq[i]!;
      if (item.kind === 'char') state = add(CHAR, state, item.ch.charCodeAt(0));
      else if (item.kind === 'one') state = add(ONE, state);
      else if (item.kind === 'segment') state = add(SEGMENT, state);
      else if (item.kind === 'any') state = add(ANY, state);
      else {
        const after = state;
        state = add(
          SPLIT,
          -1,
          0,
          item.alternatives.map((alt) => sequence(alt, after)),
        );
      }
    }
    return state;
  };
  const start = sequence(items, ACCEPT);
  const splitFrom = new Int32Array(kinds.length + 1);
  for (let s = 0; s < kinds.length; s++) splitFrom[s + 1] = splitFrom[s]! + splits[s]!.length;
  const automaton: Automaton = {
    size: kinds.length,
    kinds: Uint8Array.from(kinds),
    codes: Int32Array.from(codes),
    next: Int32Array.from(next),
    splitFrom,
    targets: Int32Array.from(splits.flat()),
    initial: { states: new Int32Array(0), accepting: false, remembered: false, edges: new Map() },
    sets: new Map(),
  };
  const into = new Int32Array(automaton.size);
  const count = enter(automaton, start, into, 0, new Uint8Array(automaton.size), new Int32Array(automaton.size + automaton.targets.length + 1));
  automaton.initial = liveSet(automaton, into.subarray(0, count));
  return automaton;
}

const cache = new Map<string, Automaton>();
const MAX_CACHED = 256;

function compile(pattern: string, syntax: DoublestarSyntax): Automaton {
  const key = `${syntax}\0${pattern}`;
  let automaton = cache.get(key);
  if (!automaton) {
    automaton = build(parse(pattern, syntax).items);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, automaton);
  }
  return automaton;
}

/**
 * Adds `state` and what it reaches without consuming to the set `into` (of length `count`),
 * skipping states already `seen`; returns the new length.
 */
function enter(a: Automaton, state: number, into: Int32Array, count: number, seen: Uint8Array, stack: Int32Array): number {
  let top = 0;
  stack[top++] = state;
  while (top > 0) {
    const s = stack[--top]!;
    if (seen[s]) continue;
    seen[s] = 1;
    const kind = a.kinds[s]!;
    if (kind === SPLIT) {
      for (let k = a.splitFrom[s + 1]! - 1; k >= a.splitFrom[s]!; k--) stack[top++] = a.targets[k]!;
      continue;
    }
    into[count++] = s;
    // A loop may also be left without consuming anything.
    if (kind === SEGMENT || kind === ANY) stack[top++] = a.next[s]!;
  }
  return count;
}

/** A set of live automaton states, and the sets one character leads it to, remembered. */
interface LiveSet {
  states: Int32Array;
  accepting: boolean;
  /** Whether the automaton keeps this set; only kept sets remember their edges. */
  remembered: boolean;
  edges: Map<number, LiveSet>;
}

/** Sets remembered per automaton: beyond this, steps are computed afresh (still linear). */
const MAX_SETS = 64;

function liveSet(a: Automaton, states: Int32Array): LiveSet {
  const sorted = states.slice().sort();
  const key = sorted.join(',');
  const known = a.sets.get(key);
  if (known) return known;
  const set: LiveSet = { states: sorted, accepting: sorted[0] === ACCEPT, remembered: a.sets.size < MAX_SETS, edges: new Map() };
  if (set.remembered) a.sets.set(key, set);
  return set;
}

/** The set one character leads `from` to. O(states + edges) of the automaton. */
function advance(a: Automaton, from: LiveSet, code: number): LiveSet {
  const known = from.edges.get(code);
  if (known) return known;
  const seen = new Uint8Array(a.size);
  // Every state is pushed at most once per edge into it: size + split targets bound the stack.
  const stack = new Int32Array(a.size + a.targets.length + 1);
  const into = new Int32Array(a.size);
  let count = 0;
  for (const s of from.states) {
    const kind = a.kinds[s]!;
    if (kind === CHAR) {
      if (a.codes[s] === code) count = enter(a, a.next[s]!, into, count, seen, stack);
    } else if (kind === ONE) {
      if (code !== SLASH) count = enter(a, a.next[s]!, into, count, seen, stack);
    } else if (kind === SEGMENT) {
      if (code !== SLASH) count = enter(a, s, into, count, seen, stack);
    } else if (kind === ANY) {
      count = enter(a, s, into, count, seen, stack);
    }
  }
  const to = liveSet(a, into.subarray(0, count));
  if (from.remembered && to.remembered) from.edges.set(code, to);
  return to;
}

/** Whether `subject` matches `pattern` as a whole, in O(pattern × subject) time. */
export function doublestarMatch(pattern: string, subject: string, syntax: DoublestarSyntax = 'harbor'): boolean {
  const a = compile(pattern, syntax);
  let set = a.initial;
  for (let i = 0; i < subject.length; i++) {
    if (set.states.length === 0) return false;
    set = advance(a, set, subject.charCodeAt(i));
  }
  return set.accepting;
}

/** A zod string refined to a pattern within {@link DOUBLESTAR_LIMITS}; a pattern beyond them answers 400. */
export function doublestarPattern(syntax: DoublestarSyntax = 'harbor'): z.ZodType<string> {
  return z.string().superRefine(doublestarLimits(syntax));
}

/** A zod refinement adding an issue when a pattern is beyond {@link DOUBLESTAR_LIMITS}. */
export function doublestarLimits(syntax: DoublestarSyntax): (pattern: string, ctx: z.RefinementCtx) => void {
  return (pattern, ctx) => {
    const problem = doublestarProblem(pattern, syntax);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  };
}
