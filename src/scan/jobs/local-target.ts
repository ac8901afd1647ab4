import type { Readable } from 'node:stream';
import type { ContentService } from '../../content/index.js';
import { readUpTo } from '../../platform/lib/index.js';
import type { BlobDescriptor, RegistryAccess, ScanTarget } from '../engine.js';

/** Manifests are bounded at push (registry.maxManifestBytes); this bounds the read again. */
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

export async function readBounded(stream: Readable, max: number, what: string): Promise<Buffer> {
  const bytes = await readUpTo(stream, max);
  if (!bytes) throw new Error(`${what} is larger than ${max} bytes`);
  return bytes;
}

/** A manifest stored in this Berth, read through the content module. */
export function localTarget(
  content: Pick<ContentService, 'readBlob'>,
  artifact: { projectId: number; repository: string; digest: string; tag?: string | undefined; mediaType: string },
  registry?: RegistryAccess,
): ScanTarget {
  return {
    projectId: artifact.projectId,
    repository: artifact.repository,
    digest: artifact.digest,
    ...(artifact.tag !== undefined ? { tag: artifact.tag } : {}),
    mediaType: artifact.mediaType,
    ...(registry ? { registry } : {}),
    async readManifest() {
      return readBounded(await content.readBlob(artifact.digest), MAX_MANIFEST_BYTES, `manifest ${artifact.digest}`);
    },
    openBlob(descriptor: BlobDescriptor) {
      return content.readBlob(descriptor.digest);
    },
  };
}
