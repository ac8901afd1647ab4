/**
 * A tar entry name as a path inside the image: `path.Clean` semantics (`.` and empty segments
 * dropped, `..` pops), without the leading `/` or `./`. Undefined for the root itself and for
 * names that climb out of it, which a layer has no business holding.
 */
export function cleanLayerPath(name: string): string | undefined {
  const out: string[] = [];
  for (const segment of name.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      continue;
    }
    out.push(segment);
  }
  return out.length === 0 ? undefined : out.join('/');
}

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE = '.wh..wh..opq';

export type WhiteoutKind = { kind: 'opaque'; dir: string } | { kind: 'whiteout'; target: string } | { kind: 'invalid' };

/** The OCI whiteout a cleaned path stands for, if its base name is one (`dir` is '' for the root). */
export function whiteoutOf(path: string): WhiteoutKind | undefined {
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  const dir = slash < 0 ? '' : path.slice(0, slash);
  if (base === OPAQUE) return { kind: 'opaque', dir };
  const name = base.slice(WHITEOUT_PREFIX.length);
  // A bare `.wh.` is invalid (image-spec); `.wh..` or `.wh...` would name the directory itself or its parent.
  if (name === '' || name === '.' || name === '..') return { kind: 'invalid' };
  return { kind: 'whiteout', target: dir === '' ? name : `${dir}/${name}` };
}

/** `a/b/c` → `a`, `a/b`: the directories a path lies in. */
export function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  for (let at = path.indexOf('/'); at >= 0; at = path.indexOf('/', at + 1)) out.push(path.slice(0, at));
  return out;
}
