import type { InstalledPackage } from '../../inventory/types.js';
import { baseName, cleanString, defineAnalyzer, isRecord, parseJsonObject } from './define-analyzer.js';
import { purl } from './purl.js';

/** Larger than any real package.json (the biggest on npm carry long `contributors` lists, well under 1 MiB). */
const MAX_PACKAGE_JSON_BYTES = 2 * 1024 * 1024;
const MAX_LICENSES = 16;

/**
 * Installed npm packages, one per `package.json` with a `name` and a `version`.
 *
 * Like Trivy's node-pkg analyzer in image mode, every `package.json` is read, not only those under
 * `node_modules/`: an image's application (`/app/package.json`) or a package copied in without npm
 * is still code that runs, and a scan that agrees with Trivy's is one users can check against it.
 * A `package.json` without a name or version (a workspace root, a test fixture) is not a package
 * and is skipped, as Trivy does; lockfiles are not read (image mode reports what is installed).
 */
export const npmAnalyzer = defineAnalyzer({
  name: 'npm',
  maxBytes: MAX_PACKAGE_JSON_BYTES,
  wants: (path) => baseName(path) === 'package.json',
  parse(file) {
    const json = parseJsonObject(file.content);
    if (json === undefined) return [];
    const name = cleanString(json.name, 214);
    const version = cleanString(json.version, 256);
    if (name === undefined || version === undefined) return [];
    const scoped = name.startsWith('@') ? name.indexOf('/') : -1;
    if (name.startsWith('@') && (scoped <= 1 || scoped === name.length - 1)) return [];
    const namespace = scoped > 0 ? name.slice(0, scoped) : undefined;
    const shortName = scoped > 0 ? name.slice(scoped + 1) : name;
    const licenses = npmLicenses(json);
    const pkg: InstalledPackage = {
      type: 'npm',
      name,
      version,
      purl: purl('npm', namespace, shortName, version),
      path: file.path,
      ...(licenses.length > 0 ? { licenses } : {}),
    };
    return [pkg];
  },
});

/** `license` as an SPDX string or the legacy `{type}` object, or the legacy `licenses: [{type}]` array. */
function npmLicenses(json: Record<string, unknown>): string[] {
  const one = licenseOf(json.license);
  if (one !== undefined) return [one];
  if (!Array.isArray(json.licenses)) return [];
  const out: string[] = [];
  for (const entry of json.licenses.slice(0, MAX_LICENSES)) {
    const license = licenseOf(entry);
    if (license !== undefined) out.push(license);
  }
  return out;
}

function licenseOf(value: unknown): string | undefined {
  if (typeof value === 'string') return cleanString(value);
  if (isRecord(value)) return cleanString(value.type);
  return undefined;
}
