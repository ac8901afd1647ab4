import type { Readable } from 'node:stream';

/** One layer blob of an image manifest, opened as a stream of its stored (compressed) bytes. */
export interface LayerSource {
  readonly digest: string;
  /** The config's diff id for the layer (the uncompressed tar's digest), carried into findings. */
  readonly diffId?: string;
  readonly mediaType: string;
  open(): Promise<NodeJS.ReadableStream | Readable>;
}

/** Bounds of one image inspection; time is bounded by the caller's AbortSignal. */
export interface WalkLimits {
  /** Tar entries one layer may hold (a tar bomb of empty files stops here). */
  readonly maxEntriesPerLayer: number;
  /** Uncompressed bytes one layer may hold (a decompression bomb stops here). */
  readonly maxLayerBytes: number;
  /** Bytes of file content handed to analyzers over the whole image; files past it are skipped and counted. */
  readonly maxAnalyzedBytes: number;
  /** Entries with longer names (PAX allows any length) are skipped and counted. */
  readonly maxPathLength: number;
  /**
   * Bytes of analysed content one layer's walk keeps for hard links to it later in the layer. A
   * link to a file past it takes that file's findings, as a link into a lower layer does; unbounded,
   * a layer of large executables (all read, for the Go and Rust readers) would be held whole.
   */
  readonly maxHeldForLinksBytes: number;
}

export const DEFAULT_WALK_LIMITS: WalkLimits = Object.freeze({
  maxEntriesPerLayer: 1_000_000,
  maxLayerBytes: 64 * 1024 ** 3,
  maxAnalyzedBytes: 1024 ** 3,
  maxPathLength: 4096,
  maxHeldForLinksBytes: 16 * 1024 ** 2,
});

export interface InspectOptions {
  readonly signal?: AbortSignal;
  readonly limits?: Partial<WalkLimits>;
}

/** What the walk passed over, for logs and for the scan's notes. */
export interface InspectionStats {
  entries: number;
  /** Files an analyzer wanted but that were larger than its `maxBytes`. */
  filesTooLarge: number;
  /** Files skipped because `maxAnalyzedBytes` was spent. */
  filesOverBudget: number;
  /** Entries with names longer than `maxPathLength`, or that leave the root (`../`). */
  badPaths: number;
  /** Files an analyzer could not read (malformed package databases). */
  malformedFiles: number;
  /** Hard links at wanted paths whose target was not read (neither in its layer nor an analysed lower file). */
  unresolvedHardlinks: number;
  bytesAnalyzed: number;
}

/** An ImageInventory plus what the walk skipped: layers that are not file systems, files it could not read. */
export interface InspectedImage {
  readonly stats: InspectionStats;
  readonly notes: readonly string[];
}
