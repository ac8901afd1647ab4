// Version ordering per ecosystem and OSV range evaluation, for the vulnerability scanner.
export { compareVersions, parseVersion, parseWithScheme, type ParsedVersion } from './compare.js';
export { isKnownEcosystem, schemeNameFor } from './ecosystems.js';
export { InvalidVersionError, UnknownEcosystemError } from './errors.js';
export { evaluateAffected, type AffectedVerdict, type OsvAffected, type OsvEvent, type OsvRange } from './osv-range.js';
export { MAX_VERSION_LENGTH, type Ordering, type SchemeName } from './scheme.js';
