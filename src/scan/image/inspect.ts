import type { FileAnalyzer, ImageInventory, LayeredPackage, OperatingSystem } from '../inventory/types.js';
import { isOsPackageType, osPurl } from '../packages/os/index.js';
import { isFileSystemLayer } from './decompress.js';
import { FileView } from './file-view.js';
import { detectOs } from './os-release.js';
import { DEFAULT_WALK_LIMITS, type InspectedImage, type InspectionStats, type InspectOptions, type LayerSource } from './types.js';
import { walkLayer } from './walk-layer.js';

/**
 * The packages and OS of an image, read from its layers bottom to top, each streamed once.
 * Every package carries the layer whose file brought it; whiteouts and later files at the same
 * path apply as on the running container's file system. Throws LayerReadError for a layer that
 * is not a readable tar, LayerLimitError past a limit, and the signal's reason when aborted.
 */
export async function inspectImage(
  layers: readonly LayerSource[],
  analyzers: readonly FileAnalyzer[],
  options: InspectOptions = {},
): Promise<ImageInventory & InspectedImage> {
  const limits = { ...DEFAULT_WALK_LIMITS, ...options.limits };
  const stats: InspectionStats = {
    entries: 0,
    filesTooLarge: 0,
    filesOverBudget: 0,
    badPaths: 0,
    malformedFiles: 0,
    unresolvedHardlinks: 0,
    bytesAnalyzed: 0,
  };
  const notes: string[] = [];
  const view = new FileView();
  for (const [index, layer] of layers.entries()) {
    if (!isFileSystemLayer(layer.mediaType)) {
      notes.push(`layer ${layer.digest} skipped: ${layer.mediaType} is not a file system layer`);
      continue;
    }
    const ref = { index, digest: layer.digest, ...(layer.diffId ? { diffId: layer.diffId } : {}) };
    const changes = await walkLayer(layer, ref, { analyzers, limits, stats, notes, view, ...(options.signal ? { signal: options.signal } : {}) });
    view.apply(changes);
  }

  const files = view.entries().sort(([a, x], [b, y]) => x.layer.index - y.layer.index || (a < b ? -1 : a > b ? 1 : 0));
  const osTexts = new Map<string, string>();
  for (const [path, record] of files) if (record.osText !== undefined) osTexts.set(path, record.osText);
  const os = detectOs(osTexts);
  const packages: LayeredPackage[] = [];
  for (const [, record] of files) {
    for (const pkg of record.packages) {
      packages.push({
        ...pkg,
        purl: os && isOsPackageType(pkg.type) ? osPurl(pkg.type, pkg.name, pkg.version, pkg.arch, os) : pkg.purl,
        layerDigest: record.layer.digest,
        ...(record.layer.diffId ? { layerDiffId: record.layer.diffId } : {}),
      });
    }
  }
  return {
    ...(os ? { os: os satisfies OperatingSystem } : {}),
    packages,
    layers: layers.map((l) => ({ digest: l.digest, ...(l.diffId ? { diffId: l.diffId } : {}), mediaType: l.mediaType })),
    stats,
    notes,
  };
}
