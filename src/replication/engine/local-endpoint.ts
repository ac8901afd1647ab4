import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { accessoriesOf, findArtifactByDigest, tagsOfArtifact, type Actor, type ContentService } from '../../content/index.js';
import type { Database, Repository } from '../../platform/db/index.js';
import { DomainError, NotFoundError } from '../../platform/errors/index.js';
import { parseDigest } from '../../platform/lib/index.js';
import { findProjectByName } from '../../projects/index.js';
import { BlobUnknownError, type Endpoint, type FetchedManifest, type PushBlobOptions } from './endpoint.js';

/** A transfer into Berth that keeps breaking is given up after this many resumptions. */
const MAX_RESUMES = 5;
/**
 * How long a continued upload waits for the request that wrote it last to let it go: after a
 * crash, the dead request's hold on it runs out (30 s) before the upload may be written again.
 */
const HELD_WAIT_MS = 45_000;
const HELD_POLL_MS = 1_000;

/**
 * Berth's own content as one side of a replication. Everything goes through the content domain's
 * push path, so quotas, immutability and the other push gates apply to replicated artifacts as to
 * pushed ones, and a blob arriving from a remote is written to an upload session that keeps what
 * was received: a broken transfer continues from there.
 */
export class LocalEndpoint implements Endpoint {
  readonly name = 'local';

  constructor(
    private readonly deps: { content: ContentService; database: Database },
    private readonly actor: Actor,
  ) {}

  private async repository(name: string): Promise<Repository | undefined> {
    return this.deps.content.findRepository(name);
  }

  /** The repository, created in its project (which must exist) on first write. */
  private async writable(name: string): Promise<Repository> {
    const existing = await this.repository(name);
    if (existing) return existing;
    const projectName = name.split('/')[0] ?? '';
    const project = await findProjectByName(this.deps.database.db, projectName);
    if (!project) throw new NotFoundError('project', `the destination project ${projectName} does not exist: create it, or set the policy's destination namespace`);
    return this.deps.content.ensureRepository(project.id, name);
  }

  async getManifest(repository: string, reference: string): Promise<FetchedManifest | undefined> {
    const found = await this.repository(repository);
    if (!found) return undefined;
    try {
      const artifact = await this.deps.content.resolve(found, reference);
      return { digest: artifact.digest, mediaType: artifact.media_type, bytes: await this.deps.content.manifests.read(artifact) };
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  async hasManifest(repository: string, digest: string): Promise<boolean> {
    const found = await this.repository(repository);
    return found !== undefined && (await findArtifactByDigest(this.deps.database.db, found.id, digest)) !== undefined;
  }

  async putManifest(repository: string, reference: string, manifest: FetchedManifest): Promise<void> {
    const target = await this.writable(repository);
    try {
      await this.deps.content.putManifest(target, reference, manifest.bytes, manifest.mediaType, this.actor);
    } catch (error) {
      if (error instanceof DomainError && error.kind === 'not-found' && error.subject === 'reference') throw new BlobUnknownError(error.message);
      throw error;
    }
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const found = await this.repository(repository);
    return found !== undefined && (await this.deps.content.blobSize(found, digest)) !== undefined;
  }

  async openBlob(repository: string, digest: string, offset: number): Promise<Readable> {
    const found = await this.repository(repository);
    const size = found ? await this.deps.content.blobSize(found, digest) : undefined;
    if (size === undefined) throw new NotFoundError('blob', `blob ${digest} is not in ${repository}`);
    return this.deps.content.readBlob(digest, offset > 0 ? { offset, length: size - offset } : undefined);
  }

  async mountBlob(repository: string, digest: string, from: string): Promise<boolean> {
    const source = await this.repository(from);
    if (!source) return false;
    return this.deps.content.mountBlob(await this.writable(repository), digest, { kind: 'repository', repository: source }, this.actor);
  }

  async pushBlob(repository: string, digest: string, size: number, open: (offset: number) => Promise<Readable>, options: PushBlobOptions = {}): Promise<number> {
    const target = await this.writable(repository);
    const { uploads } = this.deps.content;
    let id = options.resumeFrom;
    let offset = id === undefined ? 0 : await uploads.size(target, id).catch(() => undefined);
    if (id === undefined || offset === undefined || offset > size) {
      id = await uploads.start(target, this.actor.name);
      offset = 0;
    }
    options.onSession?.(id);
    if (offset > 0) options.onProgress?.(offset);
    let sent = 0;
    for (let attempt = 0; ; attempt++) {
      options.signal?.throwIfAborted();
      try {
        if (offset < size) {
          // The source is opened only once the upload can be written: a ranged GET opened and
          // refused would still bring megabytes over the wire.
          await untilLetGo(() => uploads.held(target, id), options.signal);
          const body = await open(offset);
          try {
            const appended = await uploads.append(target, id, { body, sender: this.actor }, undefined);
            sent += appended - offset;
            offset = appended;
          } finally {
            body.destroy();
          }
        }
        if (offset !== size) throw new Error(`the source sent ${offset} of ${size} bytes`);
        break;
      } catch (error) {
        if (attempt >= MAX_RESUMES || options.signal?.aborted) {
          await uploads.cancel(target, id).catch(() => undefined);
          throw error;
        }
        const kept = await uploads.size(target, id);
        sent += Math.max(0, kept - offset);
        offset = kept;
      }
      options.onProgress?.(offset);
    }
    await uploads.complete(target, id, parseDigest(digest), undefined);
    options.onProgress?.(size);
    return sent;
  }

  async accessories(repository: string, digest: string): Promise<ReadonlyArray<{ digest: string; tags: readonly string[] }>> {
    const found = await this.repository(repository);
    if (!found) return [];
    const db = this.deps.database.db;
    const rows = await accessoriesOf(db, found.id, digest);
    return Promise.all(rows.map(async (row) => ({ digest: row.digest, tags: await tagsOfArtifact(db, row.id) })));
  }
}

/**
 * Waits while another request holds the upload: after a crash, the dead write's hold runs out
 * (uploads.ts) before the upload may be written again. Bounded: past it, the append's own refusal
 * counts as a failed attempt.
 */
async function untilLetGo(held: () => Promise<boolean>, signal: AbortSignal | undefined): Promise<void> {
  for (let waited = 0; waited < HELD_WAIT_MS && (await held()); waited += HELD_POLL_MS) {
    await sleep(HELD_POLL_MS, undefined, signal ? { signal } : undefined);
  }
}
