import type { AnalyzedFile, FileAnalyzer, InstalledPackage } from '../../inventory/types.js';
import { osPurl } from './purl.js';

const PATHS = new Set(['lib/apk/db/installed', 'usr/lib/apk/db/installed']);

/**
 * apk's database (Alpine, Wolfi, Chainguard): records separated by blank lines, one `X:value`
 * per line. `P:` name, `V:` version, `A:` arch, `o:` origin (the aports source package that
 * advisories are keyed by), `L:` license. File lists (`F:`/`R:`/`Z:`…) are not needed.
 */
export const apkAnalyzer: FileAnalyzer = {
  name: 'apk',
  maxBytes: 64 * 1024 * 1024,
  wants(path) {
    return PATHS.has(path);
  },
  analyze(file: AnalyzedFile): InstalledPackage[] {
    const packages: InstalledPackage[] = [];
    let record = new Map<string, string>();
    const flush = () => {
      const pkg = toPackage(record, file.path);
      if (pkg) packages.push(pkg);
      record = new Map();
    };
    for (const raw of file.content.toString('utf8').split('\n')) {
      const line = raw.replace(/\r$/, '');
      if (line === '') {
        if (record.size > 0) flush();
        continue;
      }
      // Only the single-letter keys before the first colon; a second P: starts no new record in apk either.
      if (line.length < 2 || line[1] !== ':') continue;
      const key = line[0] as string;
      if ('PVAoL'.includes(key) && !record.has(key)) record.set(key, line.slice(2).trim());
    }
    if (record.size > 0) flush();
    return packages;
  },
};

function toPackage(record: Map<string, string>, path: string): InstalledPackage | undefined {
  const name = record.get('P');
  const version = record.get('V');
  if (!name || !version || /\s/.test(name) || /\s/.test(version)) return undefined;
  const arch = record.get('A') || undefined;
  const license = record.get('L');
  return {
    type: 'apk',
    name,
    version,
    sourceName: record.get('o') || name,
    sourceVersion: version,
    ...(arch ? { arch } : {}),
    ...(license ? { licenses: [license] } : {}),
    purl: osPurl('apk', name, version, arch),
    path,
  };
}
