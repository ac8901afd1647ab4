import type { LayeredPackage, OperatingSystem, PackageType } from '../inventory/types.js';

/**
 * Which OSV ecosystem an installed package is matched in, under which names, and which of its
 * versions is compared (vulndata.md §4, scanning.md §4).
 */

/** A name to look a package up by, and the version to compare when an advisory names it. */
export interface LookupName {
  name: string;
  version: string;
  /** Says in the match's reason that the advisory is keyed by the source package. */
  viaSource: boolean;
}

export interface LookupPlan {
  ecosystem: string;
  names: LookupName[];
}

export type OsEcosystem = { ecosystem: string; keyedBy: 'source' | 'source-and-binary' } | { reason: string };

function major(version: string): string | undefined {
  return /^(\d+)/.exec(version)?.[1];
}

/**
 * The OSV ecosystem an image's OS packages are matched in: Debian by major release, Ubuntu by
 * release (its `:LTS` records are a sub-scope, found by the same lookup; Ubuntu Pro's are not
 * looked up, their fixes being for subscribers), Alpine by branch, Red Hat by its CPE's
 * product and major (every repository of it a sub-scope), Alma and Rocky by major, SUSE by
 * PRETTY_NAME, Wolfi and Chainguard without a release.
 */
export function osEcosystem(os: OperatingSystem | undefined): OsEcosystem {
  if (os === undefined) return { reason: 'the image has no recognised operating system' };
  const family = os.family.toLowerCase();
  const release = major(os.version);
  switch (family) {
    case 'debian':
      return release ? { ecosystem: `Debian:${release}`, keyedBy: 'source' } : { reason: `Debian release "${os.version}" has no OSV ecosystem` };
    case 'ubuntu':
      return /^\d+\.\d+/.test(os.version)
        ? { ecosystem: `Ubuntu:${/^\d+\.\d+/.exec(os.version)?.[0]}`, keyedBy: 'source' }
        : { reason: `Ubuntu release "${os.version}" has no OSV ecosystem` };
    case 'alpine': {
      if (os.version === 'edge') return { ecosystem: 'Alpine:edge', keyedBy: 'source' };
      const branch = /^(\d+\.\d+)/.exec(os.version)?.[1];
      return branch ? { ecosystem: `Alpine:v${branch}`, keyedBy: 'source' } : { reason: `Alpine release "${os.version}" has no OSV ecosystem` };
    }
    case 'rhel':
      return release
        ? { ecosystem: `Red Hat:enterprise_linux:${release}`, keyedBy: 'source-and-binary' }
        : { reason: `RHEL release "${os.version}" is not numeric` };
    case 'almalinux':
      return release ? { ecosystem: `AlmaLinux:${release}`, keyedBy: 'source' } : { reason: `AlmaLinux release "${os.version}" is not numeric` };
    case 'rocky':
      return release ? { ecosystem: `Rocky Linux:${release}`, keyedBy: 'source' } : { reason: `Rocky Linux release "${os.version}" is not numeric` };
    case 'sles':
    case 'sled':
      return os.prettyName ? { ecosystem: `SUSE:${os.prettyName}`, keyedBy: 'source' } : { reason: 'SUSE without a PRETTY_NAME has no OSV ecosystem' };
    case 'opensuse-leap':
    case 'opensuse-tumbleweed':
    case 'opensuse':
      return os.prettyName ? { ecosystem: `openSUSE:${os.prettyName}`, keyedBy: 'source' } : { reason: 'openSUSE without a PRETTY_NAME has no OSV ecosystem' };
    case 'wolfi':
      return { ecosystem: 'Wolfi', keyedBy: 'source-and-binary' };
    case 'chainguard':
      return { ecosystem: 'Chainguard', keyedBy: 'source-and-binary' };
    default:
      return { reason: `no OSV data covers ${os.family}` };
  }
}

const LANGUAGE_ECOSYSTEMS: Readonly<Partial<Record<PackageType, string>>> = {
  npm: 'npm',
  pypi: 'PyPI',
  gobinary: 'Go',
  jar: 'Maven',
  cargo: 'crates.io',
  nuget: 'NuGet',
  composer: 'Packagist',
  gemspec: 'RubyGems',
};

const OS_TYPES: ReadonlySet<PackageType> = new Set(['dpkg', 'apk', 'rpm']);

/** Go reports versions with a `v` (and the toolchain as `go1.22.3`); OSV's SEMVER ranges have neither. */
function goVersion(version: string): string {
  return version.replace(/^go(?=\d)/, '').replace(/^v(?=\d)/, '');
}

/** Where and under which names one package is looked up, or why it cannot be. */
export function lookupPlan(pkg: LayeredPackage, os: OsEcosystem): LookupPlan | { reason: string } {
  if (OS_TYPES.has(pkg.type)) {
    if ('reason' in os) return { reason: os.reason };
    const source: LookupName = { name: pkg.sourceName ?? pkg.name, version: pkg.sourceVersion ?? pkg.version, viaSource: true };
    const names: LookupName[] = [source];
    if (os.keyedBy === 'source-and-binary' && source.name !== pkg.name) names.push({ name: pkg.name, version: pkg.version, viaSource: false });
    return { ecosystem: os.ecosystem, names };
  }
  const ecosystem = LANGUAGE_ECOSYSTEMS[pkg.type];
  if (ecosystem === undefined) return { reason: `no OSV ecosystem for ${pkg.type} packages` };
  const version = pkg.type === 'gobinary' ? goVersion(pkg.version) : pkg.version;
  return { ecosystem, names: [{ name: pkg.name, version, viaSource: false }] };
}
