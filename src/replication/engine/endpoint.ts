import type { Readable } from 'node:stream';

/** A manifest as read from either side of a copy. */
export interface FetchedManifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly bytes: Buffer;
}

/** What a manifest points at, as far as copying goes. */
export interface ManifestLinks {
  /** Manifests an index lists. */
  readonly manifests: ReadonlyArray<{ digest: string; size: number }>;
  /** Config and layers of an image (or any artifact manifest). */
  readonly blobs: ReadonlyArray<{ digest: string; size: number }>;
}

export interface PushBlobOptions {
  /** Acknowledged bytes so far, for progress. */
  readonly onProgress?: (bytes: number) => void;
  readonly signal?: AbortSignal;
  /** An upload session an earlier attempt left open (what `onSession` said): go on from what it holds. */
  readonly resumeFrom?: string;
  /** The upload session, each time it changes: kept, it lets a later attempt resume (`resumeFrom`). */
  readonly onSession?: (session: string) => void;
}

/**
 * One side of a replication: Berth's own content, or a remote registry. Copying speaks only this,
 * so push (local → remote) and pull (remote → local) replication are the same code.
 */
export interface Endpoint {
  /** Names the side in logs: `local` or the registry's URL. */
  readonly name: string;
  getManifest(repository: string, reference: string): Promise<FetchedManifest | undefined>;
  hasManifest(repository: string, digest: string): Promise<boolean>;
  putManifest(repository: string, reference: string, manifest: FetchedManifest): Promise<void>;
  hasBlob(repository: string, digest: string): Promise<boolean>;
  /** The blob's bytes from `offset` on, streamed. */
  openBlob(repository: string, digest: string, offset: number): Promise<Readable>;
  /** Links a blob the side holds in another repository; false when it cannot. */
  mountBlob(repository: string, digest: string, from: string): Promise<boolean>;
  /**
   * Stores a blob, streaming from `open(offset)`; when a transfer breaks part way it resumes from
   * the last acknowledged byte instead of starting over. Answers the bytes sent.
   */
  pushBlob(repository: string, digest: string, size: number, open: (offset: number) => Promise<Readable>, options?: PushBlobOptions): Promise<number>;
  /** Manifests whose subject is `digest` (signatures, SBOMs), with their tags where the side knows them. */
  accessories(repository: string, digest: string): Promise<ReadonlyArray<{ digest: string; tags: readonly string[] }>>;
}

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

/** What a manifest's JSON links to. Throws on JSON that is not a manifest. */
export function linksOf(manifest: FetchedManifest): ManifestLinks {
  const body = JSON.parse(manifest.bytes.toString('utf8')) as {
    mediaType?: string;
    manifests?: Array<{ digest: string; size: number }>;
    config?: { digest: string; size: number };
    layers?: Array<{ digest: string; size: number }>;
  };
  const isIndex = INDEX_TYPES.has(manifest.mediaType) || INDEX_TYPES.has(body.mediaType ?? '') || Array.isArray(body.manifests);
  if (isIndex) return { manifests: (body.manifests ?? []).map(({ digest, size }) => ({ digest, size })), blobs: [] };
  const blobs = [...(body.config ? [body.config] : []), ...(body.layers ?? [])].map(({ digest, size }) => ({ digest, size }));
  return { manifests: [], blobs };
}

/** The destination refused a manifest because a blob it names is not there (Harbor's "blob unknown" failures). */
export class BlobUnknownError extends Error {
  override readonly name = 'BlobUnknownError';
}
