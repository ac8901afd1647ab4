import { compareSemverLike, parseSemverLike, type SemverVersion } from './semver.js';
import type { Scheme } from './scheme.js';

/**
 * NuGet versions: up to four numbers (`1.0.0.1`), then a SemVer pre-release compared without
 * regard to case (NuGet's `VersionComparer.Default`); build metadata ignored.
 */
const LABEL = 'NuGet';

function parse(text: string): SemverVersion {
  const version = parseSemverLike(LABEL, text, 4);
  return { numbers: version.numbers, prerelease: version.prerelease.map((id) => id.toLowerCase()) };
}

export const nuget: Scheme<SemverVersion> = { name: 'nuget', label: LABEL, parse, compare: compareSemverLike };
