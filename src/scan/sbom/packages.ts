import { createHash } from 'node:crypto';
import type { ImageInventory, LayeredPackage, PackageType } from '../inventory/types.js';

/** Package types whose packages the operating system's package manager installed. */
const OS_TYPES: ReadonlySet<PackageType> = new Set(['dpkg', 'apk', 'rpm']);

/** One package as both writers list it: in a fixed order, with an identifier unique in the document. */
export interface SbomPackage {
  readonly pkg: LayeredPackage;
  /** `[A-Za-z0-9.-]+`, unique among the document's packages; stable across runs for the same package. */
  readonly id: string;
  readonly fromOs: boolean;
}

const MAX_NAME_IN_ID = 64;

/** Characters SPDX allows in an SPDXID after `SPDXRef-`; anything else becomes `-`. */
export function sanitizeId(text: string): string {
  return text.replace(/[^A-Za-z0-9.-]/g, '-');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The inventory's packages sorted by purl (then layer and path), exact repeats (same purl, layer
 * and file) dropped, each with an identifier: the sanitised name and a hash of what makes the
 * package distinct, so ten thousand packages called the same still get distinct, stable ids.
 * Linear apart from the sort.
 */
export function orderPackages(inventory: ImageInventory): SbomPackage[] {
  const sorted = [...inventory.packages].sort(
    (a, b) => compare(a.purl, b.purl) || compare(a.layerDigest, b.layerDigest) || compare(a.path, b.path) || compare(a.type, b.type) || compare(a.name, b.name),
  );
  const out: SbomPackage[] = [];
  const ids = new Set<string>();
  let previous: LayeredPackage | undefined;
  for (const pkg of sorted) {
    if (previous && previous.purl === pkg.purl && previous.layerDigest === pkg.layerDigest && previous.path === pkg.path) continue;
    previous = pkg;
    const hash = createHash('sha256').update(`${pkg.type}\0${pkg.name}\0${pkg.version}\0${pkg.purl}\0${pkg.layerDigest}\0${pkg.path}`).digest('hex').slice(0, 16);
    const base = `Package-${sanitizeId(pkg.name).slice(0, MAX_NAME_IN_ID)}-${hash}`;
    let id = base;
    // Only a hash collision between different packages gets here; the counter keeps ids unique regardless.
    for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;
    ids.add(id);
    out.push({ pkg, id, fromOs: OS_TYPES.has(pkg.type) });
  }
  return out;
}
