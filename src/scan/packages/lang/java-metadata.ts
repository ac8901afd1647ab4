import { cleanString } from './define-analyzer.js';
import { headerValue, readHeaders } from './headers.js';

/** What identifies a Maven artifact; `groupId` may be unknown when only the file name told. */
export interface MavenCoordinates {
  readonly groupId?: string;
  readonly artifactId: string;
  readonly version: string;
}

const MAX_LINES = 5000;

/** `META-INF/maven/<group>/<artifact>/pom.properties`, as Maven's archiver writes it (`key=value`, `#` comments). */
export function isPomProperties(entryName: string): boolean {
  return entryName.startsWith('META-INF/maven/') && entryName.endsWith('/pom.properties');
}

export function parsePomProperties(text: string): MavenCoordinates | undefined {
  const values = new Map<string, string>();
  let start = 0;
  for (let lines = 0; start < text.length && lines < MAX_LINES; lines++) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    let separator = -1;
    for (let i = 0; i < line.length; i++) {
      if (line[i] === '=' || line[i] === ':') {
        separator = i;
        break;
      }
    }
    if (separator <= 0) continue;
    values.set(line.slice(0, separator).trim(), line.slice(separator + 1).trim());
  }
  const groupId = cleanString(values.get('groupId'));
  const artifactId = cleanString(values.get('artifactId'));
  const version = cleanString(values.get('version'));
  if (groupId === undefined || artifactId === undefined || version === undefined) return undefined;
  return { groupId, artifactId, version };
}

/**
 * `META-INF/MANIFEST.MF` read as Trivy does: group from `Implementation-Vendor-Id`, else
 * `Bundle-SymbolicName` without its last dot-separated part, else `Implementation-Vendor`, else
 * `Specification-Vendor`; artifact from `Implementation-Title`, `Specification-Title` or
 * `Bundle-Name`; version from `Implementation-Version`, `Specification-Version` or `Bundle-Version`.
 */
export function parseManifest(text: string): MavenCoordinates | undefined {
  const headers = readHeaders(text, { fold: 'concat', maxLines: MAX_LINES });
  const get = (key: string): string | undefined => cleanString(headerValue(headers, key));
  const symbolicName = get('Bundle-SymbolicName')?.split(';')[0]?.trim();
  const bundleGroup = symbolicName !== undefined && symbolicName.lastIndexOf('.') > 0 ? symbolicName.slice(0, symbolicName.lastIndexOf('.')) : symbolicName;
  const groupId = get('Implementation-Vendor-Id') ?? bundleGroup ?? get('Implementation-Vendor') ?? get('Specification-Vendor');
  const artifactId = get('Implementation-Title') ?? get('Specification-Title') ?? get('Bundle-Name');
  const version = get('Implementation-Version') ?? get('Specification-Version') ?? get('Bundle-Version');
  if (groupId === undefined || groupId === '' || artifactId === undefined || version === undefined) return undefined;
  return { groupId, artifactId, version };
}

/** `commons-io-2.11.0.jar` → commons-io 2.11.0: the version starts at the first `-` followed by a digit. */
export function coordinatesFromFileName(fileName: string): MavenCoordinates | undefined {
  const dot = fileName.lastIndexOf('.');
  const stem = dot > 0 ? fileName.slice(0, dot) : fileName;
  for (let i = 1; i < stem.length - 1; i++) {
    const next = stem.charCodeAt(i + 1);
    if (stem[i] === '-' && next >= 0x30 && next <= 0x39) {
      const artifactId = cleanString(stem.slice(0, i));
      const version = cleanString(stem.slice(i + 1));
      return artifactId !== undefined && version !== undefined ? { artifactId, version } : undefined;
    }
  }
  return undefined;
}
