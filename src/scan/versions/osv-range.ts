import { parseVersion, parseWithScheme, type ParsedVersion } from './compare.js';
import { InvalidVersionError } from './errors.js';
import { schemeNameFor } from './ecosystems.js';
import type { Ordering } from './scheme.js';

/** One event of an OSV range: exactly one of the four fields is set. */
export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}

export interface OsvRange {
  type: string;
  repo?: string;
  events: readonly OsvEvent[];
}

/** The parts of an OSV `affected[]` entry that decide which versions it covers. */
export interface OsvAffected {
  ranges?: readonly OsvRange[];
  versions?: readonly string[];
}

export interface AffectedVerdict {
  affected: boolean;
  /** The `fixed` event that ends the range the version falls in (Harbor's fix_version), if any. */
  fixed?: string;
  /** Ranges that say nothing about the version: GIT ranges, unknown types, events that do not parse. */
  skipped: { range: number; reason: string }[];
}

type EventKind = keyof OsvEvent;
const KINDS: readonly EventKind[] = ['introduced', 'fixed', 'last_affected', 'limit'];

/** An event's version; `0` is before every version (also for Alpine's `fixed: "0"`, "never affected"), a `*` limit after every one. */
type Bound = { at: 'start' } | { at: 'end' } | { at: 'version'; version: ParsedVersion };

interface Event {
  kind: EventKind;
  text: string;
  bound: Bound;
}

function compareBound(version: ParsedVersion, bound: Bound): Ordering {
  if (bound.at === 'start') return 1;
  if (bound.at === 'end') return -1;
  return version.compareTo(bound.version);
}

function compareBounds(a: Bound, b: Bound): Ordering {
  if (a.at === 'version') return compareBound(a.version, b);
  if (a.at === b.at) return 0;
  return a.at === 'start' ? -1 : 1;
}

/**
 * Whether `version` of `ecosystem` is covered by an OSV `affected[]` entry: listed in
 * `versions`, or inside one of its `ECOSYSTEM`/`SEMVER` ranges by the schema's algorithm (below
 * one of the range's `limit`s if it has any; then, walking the events sorted by version, an
 * `introduced` at or below it opens, a `fixed` at or below it or a `last_affected` below it closes).
 * Throws InvalidVersionError when `version` is not a version of the ecosystem.
 */
export function evaluateAffected(ecosystem: string, version: string, affected: OsvAffected): AffectedVerdict {
  const installed = parseVersion(ecosystem, version);
  const skipped: AffectedVerdict['skipped'] = [];
  let isAffected = false;
  let fixed: string | undefined;
  (affected.ranges ?? []).forEach((range, index) => {
    const outcome = evaluateRange(ecosystem, installed, range);
    if (typeof outcome === 'string') skipped.push({ range: index, reason: outcome });
    else if (outcome.affected) {
      isAffected = true;
      fixed ??= outcome.fixed;
    }
  });
  if (!isAffected) isAffected = listed(ecosystem, installed, affected.versions ?? []);
  return fixed === undefined ? { affected: isAffected, skipped } : { affected: true, fixed, skipped };
}

/** `versions[]` names versions exactly; one that does not parse cannot be the installed one. */
function listed(ecosystem: string, installed: ParsedVersion, versions: readonly string[]): boolean {
  return versions.some((text) => {
    if (text === installed.text) return true;
    try {
      return parseVersion(ecosystem, text).compareTo(installed) === 0;
    } catch (error) {
      if (error instanceof InvalidVersionError) return false;
      throw error;
    }
  });
}

/** The verdict of one range, or why it cannot give one. */
function evaluateRange(ecosystem: string, installed: ParsedVersion, range: OsvRange): { affected: boolean; fixed?: string } | string {
  if (range.type !== 'ECOSYSTEM' && range.type !== 'SEMVER') return `${range.type} ranges do not order versions`;
  const scheme = range.type === 'SEMVER' ? 'semver' : schemeNameFor(ecosystem);
  let version = installed;
  const events: Event[] = [];
  try {
    if (version.scheme !== scheme) version = parseWithScheme(scheme, installed.text);
    for (const event of range.events) {
      const kind = KINDS.find((k) => typeof event[k] === 'string');
      if (kind === undefined) continue;
      const text = event[kind] as string;
      const bound: Bound =
        text === '0' ? { at: 'start' } : kind === 'limit' && text === '*' ? { at: 'end' } : { at: 'version', version: parseWithScheme(scheme, text) };
      events.push({ kind, text, bound });
    }
  } catch (error) {
    if (error instanceof InvalidVersionError) return `${error.message} (${range.type} range)`;
    throw error;
  }
  const limits = events.filter((e) => e.kind === 'limit');
  if (limits.length > 0 && !limits.some((e) => compareBound(version, e.bound) < 0)) return { affected: false };
  // At equal versions an introduced event comes first, so `introduced: X, fixed: X` covers nothing.
  const sorted = events
    .filter((e) => e.kind !== 'limit')
    .sort((a, b) => compareBounds(a.bound, b.bound) || Number(a.kind !== 'introduced') - Number(b.kind !== 'introduced'));
  let vulnerable = false;
  for (const event of sorted) {
    const position = compareBound(version, event.bound);
    if (event.kind === 'introduced' && position >= 0) vulnerable = true;
    else if (event.kind === 'fixed' && position >= 0) vulnerable = false;
    else if (event.kind === 'last_affected' && position > 0) vulnerable = false;
  }
  if (!vulnerable) return { affected: false };
  const fix = sorted.find((e) => e.kind === 'fixed' && compareBound(version, e.bound) < 0);
  return fix === undefined ? { affected: true } : { affected: true, fixed: fix.text };
}
