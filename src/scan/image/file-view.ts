import type { InstalledPackage } from '../inventory/types.js';
import { ancestorsOf } from './paths.js';

/** The layer a file came from: its position, blob digest and diff id. */
export interface LayerRef {
  readonly index: number;
  readonly digest: string;
  readonly diffId?: string;
}

/** What one analysed file of one layer yielded: packages, or the text of an OS release file. */
export interface FileRecord {
  readonly layer: LayerRef;
  readonly packages: readonly InstalledPackage[];
  readonly osText?: string;
}

/** What one layer does to the view: its removals (applied first) and its own files. */
export interface LayerChanges {
  /** Paths removed with everything under them: whiteouts, and non-directories replacing lower files or directories. */
  readonly removed: Set<string>;
  /** Paths removed but not what is under them: a directory replacing a lower file. */
  readonly removedExact: Set<string>;
  /** Directories whose lower contents are hidden (`.wh..wh..opq`); '' is the root. */
  readonly opaque: Set<string>;
  readonly files: Map<string, FileRecord>;
}

export function emptyChanges(): LayerChanges {
  return { removed: new Set(), removedExact: new Set(), opaque: new Set(), files: new Map() };
}

/**
 * The analysed files of the layers applied so far, keyed by path, as the image's file system
 * shows them: Trivy's ApplyLayers, which is the OCI rule that a layer's whiteouts hide files of
 * lower layers only. Only analysed files are kept, so its size is that of the findings, not the image.
 */
export class FileView {
  private readonly files = new Map<string, FileRecord>();
  /** How many kept files lie under each directory, to tell in O(1) whether an entry hides any. */
  private readonly dirs = new Map<string, number>();

  get(path: string): FileRecord | undefined {
    return this.files.get(path);
  }

  has(path: string): boolean {
    return this.files.has(path);
  }

  hasUnder(dir: string): boolean {
    return dir === '' ? this.files.size > 0 : (this.dirs.get(dir) ?? 0) > 0;
  }

  apply(changes: LayerChanges): void {
    const hidesAll = changes.opaque.has('');
    for (const path of [...this.files.keys()]) {
      const gone =
        hidesAll ||
        changes.removed.has(path) ||
        changes.removedExact.has(path) ||
        ancestorsOf(path).some((dir) => changes.removed.has(dir) || changes.opaque.has(dir));
      if (gone) this.delete(path);
    }
    for (const [path, record] of changes.files) {
      if (this.files.has(path)) this.delete(path);
      this.files.set(path, record);
      for (const dir of ancestorsOf(path)) this.dirs.set(dir, (this.dirs.get(dir) ?? 0) + 1);
    }
  }

  entries(): [string, FileRecord][] {
    return [...this.files.entries()];
  }

  private delete(path: string): void {
    this.files.delete(path);
    for (const dir of ancestorsOf(path)) {
      const left = (this.dirs.get(dir) ?? 1) - 1;
      if (left > 0) this.dirs.set(dir, left);
      else this.dirs.delete(dir);
    }
  }
}
