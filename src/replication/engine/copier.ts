import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobUnknownError, linksOf, type Endpoint, type FetchedManifest } from './endpoint.js';
import { throttled } from '../../platform/lib/index.js';

/** One artifact to copy, with the tags that go with it. */
export interface CopyJob {
  readonly source: Endpoint;
  readonly sourceRepository: string;
  readonly destination: Endpoint;
  readonly destinationRepository: string;
  readonly digest: string;
  readonly tags: readonly string[];
  /** Replace a tag the destination has for another artifact (Harbor's `override`). */
  readonly override: boolean;
  /** Bytes per second per blob at most (Harbor's `speed`, KiB/s × 1024); unbounded when absent. */
  readonly bytesPerSecond?: number;
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal;
  /** Upload sessions kept across attempts: a blob whose transfer an earlier attempt began goes on from it. */
  readonly uploads?: UploadSessions;
}

/** Open upload sessions by blob digest, kept where a later attempt (after a restart, say) finds them. */
export interface UploadSessions {
  get(digest: string): string | undefined;
  /** Records the blob's session; undefined once the blob is stored. */
  set(digest: string, session: string | undefined): void;
}

export interface CopyResult {
  manifests: number;
  blobsCopied: number;
  blobsPresent: number;
  bytesSent: number;
  tagsSkipped: string[];
}

/** An index lists at most this many levels of indexes; deeper is refused as malformed. */
const MAX_DEPTH = 8;
/** Blobs whose repository on a destination is remembered, at most (the oldest is forgotten first). */
const MAX_PLACEMENTS = 20_000;

/**
 * Where blobs went, per destination, shared by every copy the instance runs (the tasks of one run
 * copy one artifact each): a blob another task already sent to one repository is mounted into the
 * next rather than sent again, and one that another task is placing right now is waited for, not
 * sent alongside it.
 */
export class Placements {
  private readonly placed = new Map<string, string>();
  private readonly busy = new Map<string, Promise<void>>();

  constructor(private readonly max = MAX_PLACEMENTS) {}

  where(destination: string, digest: string): string | undefined {
    return this.placed.get(`${destination}\n${digest}`);
  }

  record(destination: string, digest: string, repository: string): void {
    const key = `${destination}\n${digest}`;
    this.placed.delete(key);
    this.placed.set(key, repository);
    if (this.placed.size > this.max) this.placed.delete(this.placed.keys().next().value as string);
  }

  /** Runs `place` once no other placement of the digest on the destination is under way. */
  async exclusive(destination: string, digest: string, place: () => Promise<void>): Promise<void> {
    const key = `${destination}\n${digest}`;
    for (let other = this.busy.get(key); other; other = this.busy.get(key)) await other.catch(() => undefined);
    const mine = place();
    this.busy.set(key, mine);
    try {
      await mine;
    } finally {
      if (this.busy.get(key) === mine) this.busy.delete(key);
    }
  }
}

/**
 * Copies one artifact between two endpoints, as a registry client pushing it would, and a little
 * more carefully: every blob is checked (and mounted from a repository it was already copied to)
 * before a byte is sent; an index's images go before the index; signatures and other accessories
 * follow their subject with their tags; when the destination answers "blob unknown" for a manifest
 * whose blobs it claimed to have, those blobs are pushed again and the manifest retried once.
 */
export class Copier {
  /** Where each blob was copied to (by this copier alone unless shared): mounting is cheaper than sending. */
  constructor(private readonly placements = new Placements()) {}

  async copy(job: CopyJob): Promise<CopyResult> {
    const result: CopyResult = { manifests: 0, blobsCopied: 0, blobsPresent: 0, bytesSent: 0, tagsSkipped: [] };
    const root = await job.source.getManifest(job.sourceRepository, job.digest);
    if (!root) throw new Error(`${job.sourceRepository}@${job.digest} is no longer on ${job.source.name}`);
    await this.copyTree(job, root, result, 0);
    for (const tag of job.tags) {
      if (!job.override) {
        const there = await job.destination.getManifest(job.destinationRepository, tag);
        if (there && there.digest !== root.digest) {
          job.log(`tag ${tag} kept: ${job.destination.name} has it for ${there.digest} and the policy does not override`);
          result.tagsSkipped.push(tag);
          continue;
        }
      }
      await job.destination.putManifest(job.destinationRepository, tag, root);
    }
    await this.copyAccessories(job, root.digest, result);
    return result;
  }

  private async copyAccessories(job: CopyJob, subject: string, result: CopyResult): Promise<void> {
    for (const accessory of await job.source.accessories(job.sourceRepository, subject)) {
      const manifest = await job.source.getManifest(job.sourceRepository, accessory.digest);
      if (!manifest) continue;
      // A tag-scheme signature is recognised by its tag: it arrives under it, as cosign pushes it.
      const [first, ...more] = accessory.tags;
      await this.copyTree(job, manifest, result, 0, first);
      for (const tag of more) await job.destination.putManifest(job.destinationRepository, tag, manifest);
      job.log(`accessory ${accessory.digest} copied with ${subject}`);
    }
  }

  /** Copies a manifest and all it links to; it lands under `reference` (its digest unless given). */
  private async copyTree(job: CopyJob, manifest: FetchedManifest, result: CopyResult, depth: number, reference = manifest.digest): Promise<void> {
    if (depth > MAX_DEPTH) throw new Error(`${manifest.digest}: indexes nest deeper than ${MAX_DEPTH} levels`);
    job.signal?.throwIfAborted();
    if (await job.destination.hasManifest(job.destinationRepository, manifest.digest)) {
      if (reference !== manifest.digest) await job.destination.putManifest(job.destinationRepository, reference, manifest);
      return;
    }
    const links = linksOf(manifest);
    for (const child of links.manifests) {
      const childManifest = await job.source.getManifest(job.sourceRepository, child.digest);
      if (!childManifest) throw new Error(`${job.sourceRepository}@${child.digest}, listed by ${manifest.digest}, is not on ${job.source.name}`);
      await this.copyTree(job, childManifest, result, depth + 1);
    }
    for (const blob of links.blobs) await this.copyBlob(job, blob, result, false);
    try {
      await job.destination.putManifest(job.destinationRepository, reference, manifest);
    } catch (error) {
      if (!(error instanceof BlobUnknownError)) throw error;
      job.log(`${job.destination.name} answered "blob unknown" for ${manifest.digest}; pushing its blobs again`);
      for (const blob of links.blobs) await this.copyBlob(job, blob, result, true);
      await job.destination.putManifest(job.destinationRepository, reference, manifest);
    }
    result.manifests++;
  }

  private async copyBlob(job: CopyJob, blob: { digest: string; size: number }, result: CopyResult, force: boolean): Promise<void> {
    if (force) return this.sendBlob(job, blob, result);
    await this.placements.exclusive(job.destination.name, blob.digest, async () => {
      const { destination, destinationRepository: repository } = job;
      if (await destination.hasBlob(repository, blob.digest)) {
        this.placements.record(destination.name, blob.digest, repository);
        result.blobsPresent++;
        return;
      }
      const from = this.placements.where(destination.name, blob.digest);
      // A mount refused (the source repository gone, no right to read it) is no failure: the blob is sent instead.
      if (from && from !== repository && (await destination.mountBlob(repository, blob.digest, from).catch(() => false))) {
        result.blobsPresent++;
        return;
      }
      await this.sendBlob(job, blob, result);
    });
  }

  private async sendBlob(job: CopyJob, blob: { digest: string; size: number }, result: CopyResult): Promise<void> {
    const { destination, destinationRepository: repository } = job;
    const open = async (offset: number): Promise<Readable> => {
      const stream = await job.source.openBlob(job.sourceRepository, blob.digest, offset);
      if (!job.bytesPerSecond) return stream;
      // Joined by pipeline, not pipe(): an upstream that fails mid-blob fails the throttle too,
      // so the push sees the error instead of waiting for an end that never comes.
      const throttle = throttled(job.bytesPerSecond);
      pipeline(stream, throttle).catch(() => undefined);
      return throttle;
    };
    const resumeFrom = job.uploads?.get(blob.digest);
    if (resumeFrom) job.log(`${blob.digest}: continuing the upload an earlier attempt began`);
    const sent = await destination.pushBlob(repository, blob.digest, blob.size, open, {
      ...(job.signal ? { signal: job.signal } : {}),
      ...(resumeFrom ? { resumeFrom } : {}),
      ...(job.uploads ? { onSession: (session: string) => job.uploads?.set(blob.digest, session) } : {}),
    });
    job.uploads?.set(blob.digest, undefined);
    result.blobsCopied++;
    result.bytesSent += sent;
    this.placements.record(destination.name, blob.digest, repository);
  }
}
