import type { Readable } from 'node:stream';
import { MediaType } from '../platform/lib/index.js';

/** A manifest as the proxy cache serves it. */
export interface ProxiedManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

/** The manifest's own media type; OCI allows leaving it out, then its shape tells an index from an image. */
export function mediaTypeOf(bytes: Buffer, fallback: string | undefined): string {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown; manifests?: unknown };
    if (typeof parsed.mediaType === 'string' && parsed.mediaType !== '') return parsed.mediaType;
    if (fallback) return fallback;
    return Array.isArray(parsed.manifests) ? MediaType.OciIndex : MediaType.OciManifest;
  } catch {
    return fallback ?? MediaType.OciManifest;
  }
}

/** A cached manifest's bytes (at most the manifest bound, checked when it was fetched). */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
