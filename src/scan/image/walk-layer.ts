import { Readable } from 'node:stream';
import { extract as tarExtract, type Header } from 'tar-stream';
import type { FileAnalyzer, InstalledPackage } from '../inventory/types.js';
import { compressionOf, decompressed, peek, sniffCompression } from './decompress.js';
import { LayerLimitError, LayerReadError } from './errors.js';
import { emptyChanges, type FileView, type LayerChanges, type LayerRef } from './file-view.js';
import { MAX_OS_FILE_BYTES, OS_FILES } from './os-release.js';
import { cleanLayerPath, whiteoutOf } from './paths.js';
import type { InspectionStats, LayerSource, WalkLimits } from './types.js';

export interface WalkContext {
  readonly analyzers: readonly FileAnalyzer[];
  readonly limits: WalkLimits;
  readonly stats: InspectionStats;
  readonly notes: string[];
  readonly signal?: AbortSignal;
  /** The layers below, as applied so far: tells which entries of this layer hide analysed files. */
  readonly view: FileView;
}

type Entry = Readable & { header: Header };

/** A tar archive is a sequence of 512-byte blocks. */
const BLOCK = 512;

/**
 * Reads one layer once, front to back: records its whiteouts and the analysed files it replaces
 * (without touching the view: the caller applies them after the walk, so a whiteout never hides
 * a file of its own layer), and analyses the files the analyzers want. Only wanted files are
 * held in memory; everything else is drained as it streams by.
 */
export async function walkLayer(layer: LayerSource, ref: LayerRef, context: WalkContext): Promise<LayerChanges> {
  const { signal, limits } = context;
  signal?.throwIfAborted();
  let source: Readable | undefined;
  let tar: Readable | undefined;
  const extract = tarExtract();
  // The iteration below sees the error; this keeps one raised while no iteration waits from going uncaught.
  extract.on('error', () => {});
  // Destroying the source reaches every stream after it, and a peek waiting on it.
  const onAbort = () => {
    source?.destroy(signal?.reason as Error);
    extract.destroy(signal?.reason as Error);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    source = await openLayer(layer);
    // Until the decompressor starts reading (zstd starts on first demand), an error of the source
    // must not go uncaught; the streams after it still see it through the source's state.
    source.on('error', () => {});
    signal?.throwIfAborted();
    const head = await peek(source, 4);
    tar = decompressed(source, sniffCompression(head) ?? compressionOf(layer.mediaType));
    let bytes = 0;
    const byteLimit = limits.maxLayerBytes;
    tar.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > byteLimit) tar?.destroy(new LayerLimitError(layer.digest, 'maxLayerBytes', byteLimit));
    });
    tar.on('error', (error) => extract.destroy(error));
    tar.on('end', () => {
      // umoci 0.4 ends a layer right after its last file's data, without the padding to a whole
      // block or the end-of-archive blocks. Go's archive/tar (containerd, umoci itself) reads that
      // to the end, so the scanner does too, saying so in the report.
      const short = bytes % BLOCK;
      if (short !== 0) context.notes.push(`layer ${layer.digest} ends inside a tar block; it was read as if padded`);
      extract.end(Buffer.alloc(short === 0 ? 0 : BLOCK - short));
    });
    tar.pipe(extract, { end: false });
    return await readEntries(extract as unknown as AsyncIterable<Entry>, layer, ref, context);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (error instanceof LayerLimitError || error instanceof LayerReadError) throw error;
    throw new LayerReadError(layer.digest, error instanceof Error ? error.message : String(error));
  } finally {
    signal?.removeEventListener('abort', onAbort);
    extract.destroy();
    tar?.destroy();
    source?.destroy();
  }
}

async function openLayer(layer: LayerSource): Promise<Readable> {
  const opened = await layer.open();
  // A bare NodeJS.ReadableStream (an old-style stream) is wrapped into a Readable.
  return opened instanceof Readable ? opened : new Readable().wrap(opened);
}

async function readEntries(entries: AsyncIterable<Entry>, layer: LayerSource, ref: LayerRef, context: WalkContext): Promise<LayerChanges> {
  const { analyzers, limits, stats, view } = context;
  const changes = emptyChanges();
  // Contents read in this layer, for hard links to them further on, up to maxHeldForLinksBytes.
  const contents = new Map<string, Buffer>();
  let held = 0;
  let count = 0;
  for await (const entry of entries) {
    if (++count > limits.maxEntriesPerLayer) throw new LayerLimitError(layer.digest, 'maxEntriesPerLayer', limits.maxEntriesPerLayer);
    stats.entries++;
    const { header } = entry;
    const path = header.name.length > limits.maxPathLength ? undefined : cleanLayerPath(header.name);
    if (path === undefined) {
      if (header.name.length > limits.maxPathLength || header.name.includes('..')) stats.badPaths++;
      await drain(entry);
      continue;
    }
    const whiteout = whiteoutOf(path);
    if (whiteout) {
      if (whiteout.kind === 'opaque' && view.hasUnder(whiteout.dir)) changes.opaque.add(whiteout.dir);
      if (whiteout.kind === 'whiteout' && (view.has(whiteout.target) || view.hasUnder(whiteout.target))) changes.removed.add(whiteout.target);
      await drain(entry);
      continue;
    }
    if (header.type === 'directory') {
      // A directory over a lower file replaces it; over a lower directory it merges.
      if (view.has(path)) changes.removedExact.add(path);
      await drain(entry);
      continue;
    }
    // Anything else at a path replaces what lower layers (or earlier entries of this layer) had there.
    if (view.has(path) || view.hasUnder(path)) changes.removed.add(path);
    changes.files.delete(path);

    if (header.type === 'file' || header.type === 'contiguous-file') {
      const size = header.size;
      const wanted = wantedBy(analyzers, path, size, header.mode, stats);
      const osFile = OS_FILES.has(path) && size <= MAX_OS_FILE_BYTES;
      if (wanted.length === 0 && !osFile) {
        await drain(entry);
        continue;
      }
      if (stats.bytesAnalyzed + size > limits.maxAnalyzedBytes) {
        stats.filesOverBudget++;
        await drain(entry);
        continue;
      }
      stats.bytesAnalyzed += size;
      const content = await readAll(entry, size);
      if (held + content.length <= limits.maxHeldForLinksBytes) {
        contents.set(path, content);
        held += content.length;
      } else {
        contents.delete(path);
      }
      changes.files.set(path, analyse(path, content, header.mode, wanted, osFile, ref, context));
    } else if (header.type === 'link') {
      await drain(entry);
      const target = cleanLayerPath(header.linkname ?? '');
      const content = target === undefined ? undefined : contents.get(target);
      const wanted = content === undefined ? [] : wantedBy(analyzers, path, content.length, header.mode, stats);
      const osFile = OS_FILES.has(path);
      // The target as analysed earlier in this layer (its content no longer held), or in a lower one.
      const earlier = target === undefined ? undefined : (changes.files.get(target) ?? view.get(target));
      if (content !== undefined && (wanted.length > 0 || osFile)) {
        changes.files.set(path, analyse(path, content, header.mode, wanted, osFile, ref, context));
      } else if (content === undefined && earlier !== undefined && (wantedBy(analyzers, path, 0, header.mode, stats).length > 0 || osFile)) {
        // A link to an analysed file: same bytes, so the same findings, at the link's path and layer.
        const packages = earlier.packages.map((pkg) => ({ ...pkg, path }));
        changes.files.set(path, { layer: ref, packages, ...(osFile && earlier.osText !== undefined ? { osText: earlier.osText } : {}) });
      } else if (target !== undefined && (wantedBy(analyzers, path, 0, header.mode, stats).length > 0 || osFile)) {
        stats.unresolvedHardlinks++;
      }
    } else {
      // Symbolic links, devices and FIFOs hold no package data; a symlinked DB is read at its target.
      await drain(entry);
    }
  }
  return changes;
}

function wantedBy(analyzers: readonly FileAnalyzer[], path: string, size: number, mode: number, stats: InspectionStats): FileAnalyzer[] {
  const wanted: FileAnalyzer[] = [];
  for (const analyzer of analyzers) {
    if (!analyzer.wants(path, size, mode)) continue;
    if (size > analyzer.maxBytes) stats.filesTooLarge++;
    else wanted.push(analyzer);
  }
  return wanted;
}

function analyse(path: string, content: Buffer, mode: number, wanted: FileAnalyzer[], osFile: boolean, layer: LayerRef, context: WalkContext) {
  const packages: InstalledPackage[] = [];
  for (const analyzer of wanted) {
    try {
      packages.push(...analyzer.analyze({ path, size: content.length, mode, content }));
    } catch (error) {
      // A malformed database costs its own packages, not the scan.
      context.stats.malformedFiles++;
      if (context.notes.length < 100) {
        context.notes.push(`${analyzer.name}: ${path} in layer ${layer.digest} skipped: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  return { layer, packages, ...(osFile ? { osText: content.toString('utf8') } : {}) };
}

async function readAll(entry: Entry, size: number): Promise<Buffer> {
  const content = Buffer.allocUnsafe(size);
  let filled = 0;
  for await (const chunk of entry) {
    const bytes = chunk as Buffer;
    // tar-stream never yields more than the header's size; the check keeps a bug from writing past the buffer.
    const room = Math.min(bytes.length, size - filled);
    bytes.copy(content, filled, 0, room);
    filled += room;
  }
  return filled === size ? content : content.subarray(0, filled);
}

async function drain(entry: Entry): Promise<void> {
  for await (const _chunk of entry) {
    // Discarded: only the wanted files are kept.
  }
}
