/**
 * Version ordering per ecosystem and OSV range evaluation, for the vulnerability scanner.
 *
 * `parseVersion` refuses, with an InvalidVersionError, what no ecosystem calls a version (empty,
 * over MAX_VERSION_LENGTH, whitespace or control characters) and what its ecosystem's own rules
 * refuse: Debian policy (epoch, upstream starting with a digit, allowed characters), SemVer and
 * NuGet (a number first), RubyGems (`Gem::Version`'s pattern). apk, rpm, PEP 440 (legacy
 * versions), Maven and Packagist order every string, as their reference implementations do, so
 * they refuse only the common cases.
 */
export { compareVersions, parseVersion, parseWithScheme, type ParsedVersion } from './compare.js';
export { isKnownEcosystem, schemeNameFor } from './ecosystems.js';
export { InvalidVersionError, UnknownEcosystemError } from './errors.js';
export { evaluateAffected, type AffectedVerdict, type OsvAffected, type OsvEvent, type OsvRange } from './osv-range.js';
export { MAX_VERSION_LENGTH, type Ordering, type SchemeName } from './scheme.js';
