import type { Digest } from '../lib/index.js';

/**
 * The storage layout. Everything content-addressed lives under `blobs/`; nothing there
 * is ever written in place. Uploads live apart under `uploads/` until a verified
 * digest moves them into `blobs/`.
 *
 *   blobs/<algorithm>/<first two hex>/<hex>/data   a blob or manifest, named by digest
 *   uploads/<upload id>/data                       bytes of an upload in progress
 */
export function blobPath(digest: Digest): string {
  return `blobs/${digest.algorithm}/${digest.hex.slice(0, 2)}/${digest.hex}/data`;
}

export function uploadPath(uploadId: string): string {
  return `uploads/${uploadId}/data`;
}

export function uploadDir(uploadId: string): string {
  return `uploads/${uploadId}`;
}
