import { UnknownEcosystemError } from './errors.js';
import type { SchemeName } from './scheme.js';

/**
 * OSV ecosystem names (the part before the first `:`, so `Debian:12`, `Alpine:v3.19`,
 * `Red Hat:enterprise_linux:9::appstream` and `Maven:https://…` all count) and the version
 * ordering each uses (OSV schema, "affected[].package.ecosystem"; osv-scalibr's `semantic.Parse`).
 * Ecosystems with an ordering of their own not implemented here (CRAN, Hackage, Pub, …) are
 * unknown rather than approximated.
 */
const ECOSYSTEM_SCHEMES: Readonly<Record<string, SchemeName>> = {
  Debian: 'dpkg',
  Ubuntu: 'dpkg',
  Alpine: 'apk',
  Alpaquita: 'apk',
  'BellSoft Hardened Containers': 'apk',
  Chainguard: 'apk',
  MinimOS: 'apk',
  Wolfi: 'apk',
  'Red Hat': 'rpm',
  AlmaLinux: 'rpm',
  'Rocky Linux': 'rpm',
  SUSE: 'rpm',
  openSUSE: 'rpm',
  openEuler: 'rpm',
  Mageia: 'rpm',
  npm: 'semver',
  'crates.io': 'semver',
  Go: 'semver',
  Hex: 'semver',
  SwiftURL: 'semver',
  Bitnami: 'semver',
  ConanCenter: 'semver',
  NuGet: 'nuget',
  PyPI: 'pep440',
  Maven: 'maven',
  RubyGems: 'rubygems',
  Packagist: 'packagist',
};

/** The ordering for an OSV ecosystem name; throws UnknownEcosystemError. */
export function schemeNameFor(ecosystem: string): SchemeName {
  const colon = ecosystem.indexOf(':');
  const base = colon < 0 ? ecosystem : ecosystem.slice(0, colon);
  const scheme = Object.hasOwn(ECOSYSTEM_SCHEMES, base) ? ECOSYSTEM_SCHEMES[base] : undefined;
  if (scheme === undefined) throw new UnknownEcosystemError(ecosystem);
  return scheme;
}

/** Whether versions of this ecosystem can be ordered here. */
export function isKnownEcosystem(ecosystem: string): boolean {
  try {
    schemeNameFor(ecosystem);
    return true;
  } catch {
    return false;
  }
}
