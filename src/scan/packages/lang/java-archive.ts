import type { InstalledPackage } from '../../inventory/types.js';
import { baseName, defineAnalyzer } from './define-analyzer.js';
import { coordinatesFromFileName, isPomProperties, parseManifest, parsePomProperties, type MavenCoordinates } from './java-metadata.js';
import { purl } from './purl.js';
import { listZipEntries, readZipEntry } from './zip.js';

const MAX_ARCHIVE_BYTES = 256 * 1024 * 1024;
/** Archives inside archives: a war's WEB-INF/lib jar, an ear's war's jars, a shaded jar's jar. */
const MAX_DEPTH = 3;
/** Bytes inflated while reading one image file, all nesting levels together: the zip bomb stop. */
const MAX_INFLATED_BYTES = 256 * 1024 * 1024;
const MAX_NESTED_ARCHIVE_BYTES = 64 * 1024 * 1024;
const MAX_METADATA_BYTES = 1024 * 1024;
const MAX_ENTRIES = 65_535;
const MAX_TOTAL_ENTRIES = 500_000;
const MAX_ARCHIVES = 2000;
const EXTENSIONS = ['.jar', '.war', '.ear', '.par'];

interface Budget {
  inflated: number;
  entries: number;
  archives: number;
}

/**
 * Java archives and the archives nested in them (Spring Boot's `BOOT-INF/lib/`, a war's
 * `WEB-INF/lib/`), each identified, like Trivy does without its Maven database, by its
 * `META-INF/maven/…/pom.properties`, else its MANIFEST.MF, else its file name
 * (`artifact-1.2.3.jar`; no group is known then, so the name is the bare artifact id).
 * Every package carries the image file's path, the outer archive, since that is the file a user
 * can find and replace.
 */
export const javaArchiveAnalyzer = defineAnalyzer({
  name: 'jar',
  maxBytes: MAX_ARCHIVE_BYTES,
  wants: (path) => isJavaArchive(path),
  parse(file) {
    const out: InstalledPackage[] = [];
    const budget: Budget = { inflated: MAX_INFLATED_BYTES, entries: MAX_TOTAL_ENTRIES, archives: MAX_ARCHIVES };
    readArchive(file.content, baseName(file.path), 0, budget, (c) => out.push(mavenPackage(c, file.path)));
    return dedupe(out);
  },
});

function isJavaArchive(path: string): boolean {
  const lower = path.toLowerCase();
  return EXTENSIONS.some((ext) => lower.endsWith(ext));
}

function readArchive(zip: Buffer, fileName: string, depth: number, budget: Budget, found: (c: MavenCoordinates) => void): void {
  budget.archives--;
  const entries = listZipEntries(zip, Math.min(MAX_ENTRIES, budget.entries));
  budget.entries -= entries.length;
  const fromName = coordinatesFromFileName(fileName);
  const poms: MavenCoordinates[] = [];
  let manifest: MavenCoordinates | undefined;
  const read = (index: number, max: number): Buffer | undefined => {
    const entry = entries[index];
    if (entry === undefined || budget.inflated <= 0) return undefined;
    const limit = Math.min(max, budget.inflated);
    try {
      const data = readZipEntry(zip, entry, limit);
      budget.inflated -= data.length;
      return data;
    } catch (error) {
      // Over its bound (zlib stopped at `limit` bytes: that work was done, so it is charged, or
      // a directory of entries sharing one bomb would cost `limit` each), truncated, or in an
      // unknown compression: this entry says nothing.
      if (error instanceof RangeError) budget.inflated -= limit;
      return undefined;
    }
  };
  for (let i = 0; i < entries.length; i++) {
    const name = (entries[i] as { name: string }).name;
    if (isPomProperties(name)) {
      const pom = parsePomProperties(read(i, MAX_METADATA_BYTES)?.toString('utf8') ?? '');
      if (pom !== undefined) poms.push(pom);
    } else if (name === 'META-INF/MANIFEST.MF') {
      manifest = parseManifest(read(i, MAX_METADATA_BYTES)?.toString('utf8') ?? '');
    } else if (isJavaArchive(name) && depth < MAX_DEPTH && budget.archives > 0) {
      const nested = read(i, MAX_NESTED_ARCHIVE_BYTES);
      if (nested === undefined) continue;
      try {
        readArchive(nested, baseName(name), depth + 1, budget, found);
      } catch {
        // A nested archive that is not a readable zip is skipped; its siblings still count.
      }
    }
  }
  for (const pom of poms) found(pom);
  // A single pom.properties is the archive's own; a shaded jar carries several, and then one of
  // them must match the file name to say which is the archive itself.
  const identified = poms.length === 1 || poms.some((p) => p.artifactId === fromName?.artifactId && p.version === fromName.version);
  if (identified) return;
  if (manifest !== undefined) found(manifest);
  else if (fromName !== undefined && poms.length === 0) found(fromName);
}

function mavenPackage(c: MavenCoordinates, path: string): InstalledPackage {
  const name = c.groupId === undefined ? c.artifactId : `${c.groupId}:${c.artifactId}`;
  return { type: 'jar', name, version: c.version, purl: purl('maven', c.groupId, c.artifactId, c.version), path };
}

/** The same artifact reached twice (a jar nested in two wars of one ear) is one package of the file. */
function dedupe(packages: InstalledPackage[]): InstalledPackage[] {
  const seen = new Set<string>();
  return packages.filter((p) => {
    const key = `${p.name}@${p.version}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
