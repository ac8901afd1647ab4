import type { AnalyzedFile, FileAnalyzer, InstalledPackage } from '../../inventory/types.js';
import { MalformedPackageDbError } from './errors.js';
import { osPurl } from './purl.js';
import { parseRpmHeader, TAG, type RpmHeader } from './rpm-header.js';
import { berkeleyHashValues } from './rpmdb-bdb.js';
import { sqliteHeaderBlobs } from './rpmdb-sqlite.js';

/** Where rpm keeps its database (Trivy's list): BDB `Packages` and SQLite `rpmdb.sqlite`. */
const DIRS = ['var/lib/rpm/', 'usr/lib/sysimage/rpm/', 'usr/share/rpm/'];
const FILES = new Set(['Packages', 'rpmdb.sqlite']);

/** `name-version-release.src.rpm` (or `.nosrc.rpm`). */
const SOURCE_RPM = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/;

/**
 * rpm's package database (RHEL, Fedora, AlmaLinux, Rocky, Amazon Linux, SUSE, Mariner). NDB
 * (`Packages.db`, SUSE) is not read yet. A header that does not parse is skipped; a file that is
 * not the database its name says throws, and the walker counts it.
 */
export const rpmAnalyzer: FileAnalyzer = {
  name: 'rpm',
  maxBytes: 256 * 1024 * 1024,
  wants(path) {
    const dir = DIRS.find((d) => path.startsWith(d));
    return dir !== undefined && FILES.has(path.slice(dir.length));
  },
  analyze(file: AnalyzedFile): InstalledPackage[] {
    const blobs: Iterable<Uint8Array> = file.path.endsWith('.sqlite') ? sqliteHeaderBlobs(file.content) : berkeleyHashValues(file.content);
    const packages: InstalledPackage[] = [];
    for (const blob of blobs) {
      let header: RpmHeader;
      try {
        header = parseRpmHeader(blob);
      } catch (error) {
        if (error instanceof MalformedPackageDbError) continue;
        throw error;
      }
      const pkg = toPackage(header, file.path);
      if (pkg) packages.push(pkg);
    }
    return packages;
  },
};

function toPackage(header: RpmHeader, path: string): InstalledPackage | undefined {
  const name = header.string(TAG.NAME);
  const version = header.string(TAG.VERSION);
  const release = header.string(TAG.RELEASE);
  // gpg-pubkey "packages" are imported signing keys, not software.
  if (!name || !version || release === undefined || name === 'gpg-pubkey') return undefined;
  const epoch = header.int32(TAG.EPOCH);
  const prefix = epoch !== undefined && epoch > 0 ? `${epoch}:` : '';
  const full = `${prefix}${version}${release ? `-${release}` : ''}`;
  const arch = header.string(TAG.ARCH) || undefined;
  const license = header.string(TAG.LICENSE);
  const source = SOURCE_RPM.exec(header.string(TAG.SOURCERPM) ?? '');
  return {
    type: 'rpm',
    name,
    version: full,
    sourceName: source?.[1] ?? name,
    sourceVersion: source ? `${prefix}${source[2]}-${source[3]}` : full,
    ...(arch ? { arch } : {}),
    ...(license ? { licenses: [license] } : {}),
    purl: osPurl('rpm', name, full, arch),
    path,
  };
}
