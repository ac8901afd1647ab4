/**
 * Package URLs (github.com/package-url/purl-spec) for the language packages. Namespace segments,
 * name and version are percent-encoded one by one: everything but ASCII letters, digits and
 * `.-_~` is encoded (so an npm scope's `@` becomes `%40` and a SemVer `+` becomes `%2B`), except
 * `:`, which the spec says is unambiguous everywhere and must not be encoded.
 */
export type PurlType = 'npm' | 'pypi' | 'golang' | 'maven' | 'cargo' | 'nuget' | 'composer' | 'gem';

const KEEP = /^[A-Za-z0-9.\-_~:]$/;

export function encodePurlSegment(segment: string): string {
  let out = '';
  for (const char of segment) {
    if (KEEP.test(char)) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** `pkg:<type>/<namespace segments…>/<name>@<version>`; `namespace` may hold several `/`-separated segments. */
export function purl(type: PurlType, namespace: string | undefined, name: string, version: string): string {
  const segments = namespace === undefined || namespace === '' ? [] : namespace.split('/').filter((s) => s !== '');
  const path = [...segments, name].map(encodePurlSegment).join('/');
  return `pkg:${type}/${path}@${encodePurlSegment(version)}`;
}
