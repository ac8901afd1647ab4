import { UnprocessableError } from '../../platform/errors/index.js';
import type { BlobDescriptor, ScanTarget } from '../engine.js';
import { readBounded } from '../jobs/local-target.js';

/** An image config is small JSON; the registry refuses larger ones at push. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
/** More layers than any real image has (Docker's own limit is 127). */
const MAX_LAYERS = 1000;

export interface ImageLayers {
  layers: BlobDescriptor[];
  /** The config's `rootfs.diff_ids`, one per layer when the config is an image config. */
  diffIds: string[];
}

function isDescriptor(value: unknown): value is BlobDescriptor {
  if (typeof value !== 'object' || value === null) return false;
  const d = value as Record<string, unknown>;
  return typeof d.mediaType === 'string' && typeof d.digest === 'string' && typeof d.size === 'number';
}

/** The layers of a single-platform image manifest and their diff ids; anything else is refused with a reason. */
export async function readImageManifest(target: ScanTarget): Promise<ImageLayers> {
  let manifest: unknown;
  try {
    manifest = JSON.parse((await target.readManifest()).toString('utf8'));
  } catch {
    throw new UnprocessableError('artifact', `the manifest of ${target.digest} is not JSON`);
  }
  const body = (typeof manifest === 'object' && manifest !== null ? manifest : {}) as Record<string, unknown>;
  const layers = body.layers;
  if (!Array.isArray(layers) || !layers.every(isDescriptor))
    throw new UnprocessableError('artifact', `${target.digest} is not an image manifest with layers: nothing to scan`);
  if (layers.length > MAX_LAYERS) throw new UnprocessableError('artifact', `${target.digest} has ${layers.length} layers, more than the ${MAX_LAYERS} scanned`);
  return { layers, diffIds: isDescriptor(body.config) ? await readDiffIds(target, body.config) : [] };
}

async function readDiffIds(target: ScanTarget, config: BlobDescriptor): Promise<string[]> {
  if (config.size > MAX_CONFIG_BYTES) return [];
  try {
    const parsed = JSON.parse((await readBounded(await target.openBlob(config), MAX_CONFIG_BYTES, `config ${config.digest}`)).toString('utf8')) as unknown;
    const rootfs = (parsed as { rootfs?: { diff_ids?: unknown } } | null)?.rootfs;
    return Array.isArray(rootfs?.diff_ids) ? rootfs.diff_ids.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    // A config that is not an image config (an artifact's own) just gives no diff ids.
    return [];
  }
}
