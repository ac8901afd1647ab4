import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Artifact } from '../platform/db/index.js';
import { DomainError, NotFoundError, UnprocessableError } from '../platform/errors/index.js';
import { parseDigest } from '../platform/lib/index.js';
import { blobPath, PathNotFoundError, type StorageDriver } from '../platform/storage/index.js';
import { HELM_CHART_LAYER, isRecord, readManifestBody, type ManifestBody } from './manifest-body.js';
import { readTarEntries, TarTooLargeError } from './tar.js';

/** Config blobs are small JSON; anything bigger is not read into memory. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
/** Charts are read whole through gunzip; a bigger one is refused rather than unpacked. */
export const MAX_CHART_BYTES = 16 * 1024 * 1024;

export async function readManifest(storage: StorageDriver, artifact: Artifact): Promise<ManifestBody> {
  const bytes = await readStored(storage, artifact.digest, `manifest ${artifact.digest}`);
  return readManifestBody(bytes, artifact.media_type);
}

/** The image or chart config as JSON, or undefined when there is none or it is not JSON. */
export async function readConfig(storage: StorageDriver, manifest: ManifestBody): Promise<Record<string, unknown> | undefined> {
  const config = manifest.config;
  if (!config || config.size > MAX_CONFIG_BYTES) return undefined;
  const path = blobPath(parseDigest(config.digest));
  const stat = await storage.stat(path);
  if (!stat || stat.size > MAX_CONFIG_BYTES) return undefined;
  try {
    const parsed: unknown = JSON.parse((await storage.getContent(path)).toString('utf8'));
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
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

export interface ChartFiles {
  values?: string;
  readme?: string;
  chartYaml?: string;
}

/** values.yaml, README.md and Chart.yaml from the top folder of the chart's .tgz layer. */
export async function readChartFiles(storage: StorageDriver, manifest: ManifestBody): Promise<ChartFiles> {
  const layer = manifest.layers.find((l) => l.mediaType === HELM_CHART_LAYER);
  if (!layer) return {};
  const path = blobPath(parseDigest(layer.digest));
  const stat = await storage.stat(path);
  if (!stat) throw new NotFoundError('blob', `chart layer ${layer.digest} is missing from storage`);
  if (stat.size > MAX_CHART_BYTES) throw new UnprocessableError('blob', `the chart is ${stat.size} bytes, more than the ${MAX_CHART_BYTES} read for additions`);
  const wanted = (name: string) => /^[^/]+\/(values\.yaml|README\.md|Chart\.yaml)$/i.test(name);
  let entries;
  const source = await storage.read(path);
  try {
    const gunzip = createGunzip();
    source.on('error', (err) => gunzip.destroy(err));
    entries = await readTarEntries(source.pipe(gunzip) as Readable, wanted, { maxEntryBytes: MAX_CHART_BYTES, maxTotalBytes: MAX_CHART_BYTES * 8 });
  } catch (err) {
    if (err instanceof TarTooLargeError) throw new UnprocessableError('blob', `${err.entry} of the chart is too large to read`);
    if (err instanceof DomainError) throw err;
    throw new UnprocessableError('blob', `the chart layer is not a readable .tgz: ${(err as Error).message}`);
  } finally {
    source.destroy();
  }
  const files: ChartFiles = {};
  for (const entry of entries) {
    const base = entry.name.slice(entry.name.indexOf('/') + 1).toLowerCase();
    const text = entry.data.toString('utf8');
    if (base === 'values.yaml') files.values ??= text;
    else if (base === 'readme.md') files.readme ??= text;
    else if (base === 'chart.yaml') files.chartYaml ??= text;
  }
  return files;
}
