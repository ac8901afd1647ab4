import type { AnalyzedFile, FileAnalyzer, InstalledPackage } from '../../inventory/types.js';
import { osPurl } from './purl.js';

const STATUS = 'var/lib/dpkg/status';
const STATUS_DIR = 'var/lib/dpkg/status.d/';

/** `Source: name` or `Source: name (version)`. */
const SOURCE = /^(\S+)(?:\s+\((.+)\))?$/;

/**
 * dpkg's database: `var/lib/dpkg/status`, and distroless images' `var/lib/dpkg/status.d/<package>`
 * (one stanza file per package, beside `<package>.md5sums` file lists that hold no packages).
 */
export const dpkgAnalyzer: FileAnalyzer = {
  name: 'dpkg',
  maxBytes: 64 * 1024 * 1024,
  wants(path) {
    if (path === STATUS) return true;
    if (!path.startsWith(STATUS_DIR)) return false;
    const file = path.slice(STATUS_DIR.length);
    return file !== '' && !file.includes('/') && !file.endsWith('.md5sums') && !file.startsWith('.');
  },
  analyze(file: AnalyzedFile): InstalledPackage[] {
    const packages: InstalledPackage[] = [];
    for (const fields of stanzas(file.content.toString('utf8'))) {
      const pkg = toPackage(fields, file.path);
      if (pkg) packages.push(pkg);
    }
    return packages;
  },
};

/**
 * A stanza describes an installed package unless its Status says otherwise: a package marked
 * for removal or purge, or one whose files are gone (`not-installed`, `config-files`), is not in
 * the image. distroless' status.d stanzas carry no Status: every one is installed.
 */
function isInstalled(status: string | undefined): boolean {
  if (status === undefined) return true;
  const words = status.split(/\s+/);
  if (words.includes('deinstall') || words.includes('purge')) return false;
  const state = words[2];
  return state !== 'not-installed' && state !== 'config-files';
}

function toPackage(fields: Map<string, string>, path: string): InstalledPackage | undefined {
  const name = fields.get('package');
  const version = fields.get('version');
  if (!name || !version || /\s/.test(name) || /\s/.test(version)) return undefined;
  if (!isInstalled(fields.get('status'))) return undefined;
  const arch = fields.get('architecture') || undefined;
  const source = SOURCE.exec(fields.get('source') ?? '');
  return {
    type: 'dpkg',
    name,
    version,
    sourceName: source?.[1] ?? name,
    sourceVersion: source?.[2]?.trim() || version,
    ...(arch ? { arch } : {}),
    purl: osPurl('dpkg', name, version, arch),
    path,
  };
}

/**
 * The stanzas of a deb822 file, as maps of lower-cased field names to their first line: stanzas
 * are separated by blank lines, continuation lines start with a space or tab (and are not needed
 * here), and a line that is neither a field nor a continuation is skipped.
 */
function* stanzas(text: string): Generator<Map<string, string>> {
  let fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const trimmed = line.replace(/\r$/, '');
    if (trimmed.trim() === '') {
      if (fields.size > 0) yield fields;
      fields = new Map();
      continue;
    }
    if (trimmed.startsWith(' ') || trimmed.startsWith('\t') || trimmed.startsWith('#')) continue;
    const colon = trimmed.indexOf(':');
    if (colon <= 0) continue;
    const key = trimmed.slice(0, colon).toLowerCase();
    if (!fields.has(key)) fields.set(key, trimmed.slice(colon + 1).trim());
  }
  if (fields.size > 0) yield fields;
}
