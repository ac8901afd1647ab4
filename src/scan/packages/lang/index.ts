/**
 * The built-in scanner's language package analyzers: what an image's installed language
 * packages are, read from the metadata the package managers leave behind (image mode reads
 * installed metadata, not lockfiles, as Trivy does). Each is a pure FileAnalyzer; `analyze`
 * never throws and returns [] for anything malformed or beyond its bounds.
 */
import type { FileAnalyzer } from '../../inventory/types.js';
import { composerAnalyzer } from './composer.js';
import { dotnetDepsAnalyzer } from './dotnet-deps.js';
import { gemspecAnalyzer } from './gemspec.js';
import { goBinaryAnalyzer } from './go-binary.js';
import { javaArchiveAnalyzer } from './java-archive.js';
import { npmAnalyzer } from './npm.js';
import { pypiAnalyzer } from './pypi.js';
import { rustAuditableAnalyzer } from './rust-auditable.js';

export { composerAnalyzer, dotnetDepsAnalyzer, gemspecAnalyzer, goBinaryAnalyzer, javaArchiveAnalyzer, npmAnalyzer, pypiAnalyzer, rustAuditableAnalyzer };
export { normalizePypiName } from './pypi.js';
export { purl, type PurlType } from './purl.js';

export const LANGUAGE_ANALYZERS: readonly FileAnalyzer[] = [
  npmAnalyzer,
  pypiAnalyzer,
  goBinaryAnalyzer,
  rustAuditableAnalyzer,
  javaArchiveAnalyzer,
  dotnetDepsAnalyzer,
  composerAnalyzer,
  gemspecAnalyzer,
];
