import { apk } from './apk.js';
import { dpkg } from './dpkg.js';
import { schemeNameFor } from './ecosystems.js';
import { maven } from './maven.js';
import { nuget } from './nuget.js';
import { packagist } from './packagist.js';
import { pypi } from './pypi.js';
import { rpm } from './rpm.js';
import { rubygems } from './rubygems.js';
import type { Ordering, Scheme, SchemeName } from './scheme.js';
import { semver } from './semver.js';

/** A version read once in its ecosystem's terms, to be compared with others of the same ordering. */
export interface ParsedVersion {
  readonly scheme: SchemeName;
  readonly text: string;
  /** Throws a TypeError when `other` was read under another ordering. */
  compareTo(other: ParsedVersion): Ordering;
}

/** A parser whose results carry their scheme's typed key, reachable only by the same scheme. */
function parserFor<Key>(scheme: Scheme<Key>): (text: string) => ParsedVersion {
  const keys = new WeakMap<ParsedVersion, Key>();
  return (text) => {
    const key = scheme.parse(text);
    const version: ParsedVersion = {
      scheme: scheme.name,
      text,
      compareTo(other) {
        const otherKey = keys.get(other);
        if (otherKey === undefined) throw new TypeError(`cannot compare a ${scheme.name} version with a ${other.scheme} version`);
        return scheme.compare(key, otherKey);
      },
    };
    keys.set(version, key);
    return version;
  };
}

const PARSERS: Readonly<Record<SchemeName, (text: string) => ParsedVersion>> = {
  dpkg: parserFor(dpkg),
  apk: parserFor(apk),
  rpm: parserFor(rpm),
  semver: parserFor(semver),
  nuget: parserFor(nuget),
  pep440: parserFor(pypi),
  maven: parserFor(maven),
  rubygems: parserFor(rubygems),
  packagist: parserFor(packagist),
};

/** Reads `text` under a scheme directly (OSV `SEMVER` ranges name the scheme, not an ecosystem). */
export function parseWithScheme(scheme: SchemeName, text: string): ParsedVersion {
  return PARSERS[scheme](text);
}

/**
 * Reads `text` as a version of the OSV ecosystem `ecosystem` (`Debian:12`, `PyPI`, …).
 * Throws InvalidVersionError for what is not one, UnknownEcosystemError for an ecosystem
 * without a known ordering.
 */
export function parseVersion(ecosystem: string, text: string): ParsedVersion {
  return parseWithScheme(schemeNameFor(ecosystem), text);
}

/** -1, 0 or 1 as `a` is older than, the same as or newer than `b` in the ecosystem's order. */
export function compareVersions(ecosystem: string, a: string, b: string): Ordering {
  const scheme = schemeNameFor(ecosystem);
  return parseWithScheme(scheme, a).compareTo(parseWithScheme(scheme, b));
}
