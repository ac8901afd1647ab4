import type { Readable } from 'node:stream';
import { RegistryError, type RegistryClient } from '../../platform/registry-client/index.js';
import { BlobUnknownError, type Endpoint, type FetchedManifest, type PushBlobOptions } from './endpoint.js';

const BLOB_UNKNOWN_CODES = new Set(['MANIFEST_BLOB_UNKNOWN', 'BLOB_UNKNOWN']);
/** Accessories a remote lists for one subject, at most. */
const MAX_ACCESSORIES = 256;

/** cosign's tag for the signatures of a digest in its tag scheme: `sha256-<hex>.sig`. */
export const cosignSignatureTag = (digest: string): string => `${digest.replace(':', '-')}.sig`;

/**
 * A remote registry as one side of a replication, through the shared registry client (its token
 * cache, chunked and resumable uploads, retries). Accessories are found both ways cosign and
 * notation leave them: the referrers API, and cosign's `sha256-<hex>.sig` tag.
 */
export class RemoteEndpoint implements Endpoint {
  constructor(
    private readonly client: RegistryClient,
    readonly name: string,
  ) {}

  getManifest(repository: string, reference: string): Promise<FetchedManifest | undefined> {
    return this.client.getManifest(repository, reference);
  }

  async hasManifest(repository: string, digest: string): Promise<boolean> {
    return (await this.client.headManifest(repository, digest)) !== undefined;
  }

  async putManifest(repository: string, reference: string, manifest: FetchedManifest): Promise<void> {
    try {
      await this.client.putManifest(repository, reference, manifest.bytes, manifest.mediaType);
    } catch (error) {
      if (error instanceof RegistryError && error.code !== undefined && BLOB_UNKNOWN_CODES.has(error.code)) throw new BlobUnknownError(error.message);
      throw error;
    }
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    return (await this.client.headBlob(repository, digest)) !== undefined;
  }

  async openBlob(repository: string, digest: string, offset: number): Promise<Readable> {
    return (await this.client.getBlob(repository, digest, { offset })).stream;
  }

  mountBlob(repository: string, digest: string, from: string): Promise<boolean> {
    return this.client.mountBlob(repository, digest, from);
  }

  async pushBlob(repository: string, digest: string, size: number, open: (offset: number) => Promise<Readable>, options: PushBlobOptions = {}): Promise<number> {
    const result = await this.client.pushBlob(repository, digest, size, open, {
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.resumeFrom ? { resumeFrom: { location: options.resumeFrom } } : {}),
      ...(options.onSession ? { onSession: options.onSession } : {}),
    });
    return result.bytesSent;
  }

  async accessories(repository: string, digest: string): Promise<ReadonlyArray<{ digest: string; tags: readonly string[] }>> {
    const found = new Map<string, string[]>();
    for (const referrer of ((await this.client.referrers(repository, digest)) ?? []).slice(0, MAX_ACCESSORIES)) found.set(referrer.digest, []);
    const tag = cosignSignatureTag(digest);
    const signature = await this.client.headManifest(repository, tag);
    if (signature) found.set(signature.digest, [...(found.get(signature.digest) ?? []), tag]);
    return [...found].map(([accessory, tags]) => ({ digest: accessory, tags }));
  }
}
