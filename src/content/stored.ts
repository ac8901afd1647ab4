import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Artifact } from '../platform/db/index.js';
import { DomainError, InvalidInputError, NotFoundError, UnprocessableError } from '../platform/errors/index.js';
import { jsonDeeperThan, MAX_JSON_DEPTH, parseDigest, Semaphore } from '../platform/lib/index.js';
import { blobPath, PathNotFoundError, type StorageDriver } from '../platform/storage/index.js';
import { HELM_CHART_LAYER, isRecord, readManifestBody, type ManifestBody } from './manifest-body.js';
import { readTarEntries, TarTooLargeError } from './tar.js';

/** Config blobs are small JSON (a few KiB, rarely 100 KiB); an image or chart config bigger than this is refused at push. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
/** Charts are read whole through gunzip; a bigger one is refused rather than unpacked. */
export const MAX_CHART_BYTES = 16 * 1024 * 1024;

export async function readManifest(storage: StorageDriver, artifact: Artifact): Promise<ManifestBody> {
  const bytes = await readStored(storage, artifact.digest, `manifest ${artifact.digest}`);
  return readManifestBody(bytes, artifact.media_type);
}

/** Configs up to this size are read at once, whatever else is being read. */
const SMALL_CONFIG_BYTES = 256 * 1024;
/**
 * Configs above it are read two at a time across the process: each costs several times its
 * size while it is parsed, and a client may plant many 4 MiB ones and ask for them all at
 * once (build history). Process-wide on purpose: the bound is on this process's memory.
 */
const largeConfigReads = new Semaphore(2);

/**
 * How a config is read: `push` refuses (MANIFEST_INVALID) a config too large or too deeply
 * nested to be read, so such a manifest is never stored; `stored` reads defensively and
 * shows nothing for one pushed before these bounds.
 */
export type ConfigRead = 'push' | 'stored';

/** The image or chart config as JSON, or undefined when there is none or it is not JSON. */
export async function readConfig(storage: StorageDriver, manifest: ManifestBody, mode: ConfigRead = 'stored'): Promise<Record<string, unknown> | undefined> {
  const config = manifest.config;
  if (!config) return undefined;
  const refuse = (why: string) => {
    if (mode === 'push') throw new InvalidInputError('manifest', `manifest invalid: its config ${config.digest} ${why}`, { digest: config.digest });
    return undefined;
  };
  if (config.size > MAX_CONFIG_BYTES) return refuse(`is ${config.size} bytes, more than the ${MAX_CONFIG_BYTES} a config may be`);
  const path = blobPath(parseDigest(config.digest));
  const stat = await storage.stat(path);
  if (!stat || stat.size > MAX_CONFIG_BYTES) return undefined;
  const read = async () => {
    const bytes = await storage.getContent(path);
    if (jsonDeeperThan(bytes, MAX_JSON_DEPTH)) return refuse(`is JSON nested more than ${MAX_JSON_DEPTH} levels deep`);
    try {
      const parsed: unknown = JSON.parse(bytes.toString('utf8'));
      return isRecord(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  };
  return stat.size > SMALL_CONFIG_BYTES ? largeConfigReads.run(read) : read();
}

async function readStored(storage: StorageDriver, digest: string, what: string): Promise<Buffer> {
  try {
    return await storage.getContent(blobPath(parseDigest(digest)));
  } catch (err) {
    if (err instanceof PathNotFoundError) throw new NotFoundError('artifact', `${what} is missing from storage`);
    throw err;
  }
}

/** What the API shows of an artifact's config. */
export function extraAttrs(kind: string, config: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!config) return {};
  if (kind === 'IMAGE') {
    const attrs: Record<string, unknown> = {};
    for (const key of ['architecture', 'author', 'config', 'created', 'os', 'variant']) {
      if (config[key] !== undefined) attrs[key] = config[key];
    }
    return attrs;
  }
  // A chart's config is its Chart.yaml as JSON, which is what Harbor shows.
  if (kind === 'CHART') return config;
  return {};
}

/** The files of a chart the API shows (Harbor's additions), as named inside the chart's folder. */
export type ChartFile = 'values.yaml' | 'README.md' | 'Chart.yaml';

/** A chart file larger than this is not shown: each request holds at most this much of it. */
export const MAX_CHART_FILE_BYTES = 1024 * 1024;
/** Bytes of unpacked chart read looking for a file at most, as Helm bounds a chart it loads. */
export const MAX_CHART_UNPACKED_BYTES = 100 * 1024 * 1024;

/**
 * One file from the top folder of the chart's .tgz layer (the first of that name: a chart
 * listing it again is not read further), or undefined when the chart has none.
 */
export async function readChartFile(storage: StorageDriver, manifest: ManifestBody, file: ChartFile): Promise<string | undefined> {
  const layer = manifest.layers.find((l) => l.mediaType === HELM_CHART_LAYER);
  if (!layer) return undefined;
  const path = blobPath(parseDigest(layer.digest));
  const stat = await storage.stat(path);
  if (!stat) throw new NotFoundError('blob', `chart layer ${layer.digest} is missing from storage`);
  if (stat.size > MAX_CHART_BYTES) throw new UnprocessableError('blob', `the chart is ${stat.size} bytes, more than the ${MAX_CHART_BYTES} read for additions`);
  const wanted = (name: string) => {
    const slash = name.indexOf('/');
    return slash > 0 && name.indexOf('/', slash + 1) === -1 && name.slice(slash + 1).toLowerCase() === file.toLowerCase();
  };
  const source = await storage.read(path);
  try {
    const gunzip = createGunzip();
    source.on('error', (err) => gunzip.destroy(err));
    const limits = { maxEntryBytes: MAX_CHART_FILE_BYTES, maxTotalBytes: MAX_CHART_UNPACKED_BYTES, firstOnly: true };
    const [entry] = await readTarEntries(source.pipe(gunzip) as Readable, wanted, limits);
    return entry?.data.toString('utf8');
  } catch (err) {
    if (err instanceof TarTooLargeError)
      throw new UnprocessableError('blob', `${err.entry} of the chart is ${err.size} bytes, more than the ${MAX_CHART_FILE_BYTES} shown`);
    if (err instanceof DomainError) throw err;
    throw new UnprocessableError('blob', `the chart layer is not a readable .tgz: ${(err as Error).message}`);
  } finally {
    source.destroy();
  }
}
