import type { Actor, ContentService, ManifestReference } from '../content/index.js';
import type { Repository } from '../platform/db/index.js';
import { DomainError } from '../platform/errors/index.js';
import { readAll, type ProxiedManifest } from './manifest-bytes.js';
import type { ProxyLog } from './deps.js';

/**
 * Manifests waiting per repository, and repositories with some waiting: beyond these the oldest
 * is forgotten (it is still served from its cached bytes). Only names are held, not the bytes.
 */
const MAX_WAITING = 50;
const MAX_REPOSITORIES = 1_000;

interface Waiting {
  reference: ManifestReference;
  digest: string;
  mediaType: string;
}

/**
 * Makes cached manifests artifacts of the proxy project through content's push path (so they are
 * listed, counted in the quota, and retention and immutability apply) as soon as what they
 * reference is cached: an image once its layers were pulled, an index once its children were.
 * Until then the manifest's bytes, cached as a blob, are what pulls are served.
 */
export class Promotions {
  private readonly waiting = new Map<string, Map<string, Waiting>>();
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private readonly idle = new Map<string, Promise<void>>();

  constructor(
    private readonly content: ContentService,
    private readonly log: ProxyLog,
    private readonly actor: Actor,
  ) {}

  add(repository: Repository, reference: ManifestReference, manifest: ProxiedManifest): void {
    let entries = this.waiting.get(repository.name);
    if (!entries) {
      this.waiting.set(repository.name, (entries = new Map()));
      if (this.waiting.size > MAX_REPOSITORIES) this.waiting.delete(this.waiting.keys().next().value as string);
    }
    // A tag that moved replaces its older manifest: only the newest may take the tag.
    entries.set(reference.kind === 'tag' ? `tag:${reference.tag}` : reference.digest, { reference, digest: manifest.digest, mediaType: manifest.mediaType });
    if (entries.size > MAX_WAITING) entries.delete(entries.keys().next().value as string);
    this.retry(repository);
  }

  /** Something new is cached in the repository: what waited for it may be stored now. */
  retry(repository: Repository): void {
    if (!this.waiting.has(repository.name)) return;
    if (this.running.has(repository.name)) return void this.again.add(repository.name);
    this.running.add(repository.name);
    const done = this.drain(repository)
      .catch((error: unknown) => this.log.warn({ err: error, repository: repository.name }, 'proxy cache could not store a cached manifest'))
      .finally(() => {
        this.running.delete(repository.name);
        this.idle.delete(repository.name);
        if (this.again.delete(repository.name)) this.retry(repository);
      });
    this.idle.set(repository.name, done);
  }

  /** Resolves when no promotion runs (tests and shutdown wait for this). */
  async settled(): Promise<void> {
    while (this.idle.size > 0) await Promise.all(this.idle.values());
  }

  private async drain(repository: Repository): Promise<void> {
    const entries = this.waiting.get(repository.name);
    for (let progressed = true; progressed && entries && entries.size > 0;) {
      progressed = false;
      for (const [key, { reference, digest, mediaType }] of entries) {
        try {
          const bytes = await readAll(await this.content.readBlob(digest));
          await this.content.putManifest(repository, reference, bytes, mediaType, this.actor);
          entries.delete(key);
          progressed = true;
        } catch (error) {
          // A layer or child not cached yet: wait for it. Anything else (immutability, quota) is final.
          if (error instanceof DomainError && error.kind === 'not-found' && error.subject === 'reference') continue;
          entries.delete(key);
          this.log.warn({ err: error, repository: repository.name, digest }, 'proxy cache keeps serving a manifest it may not store as an artifact');
        }
      }
    }
    if (entries?.size === 0) this.waiting.delete(repository.name);
  }
}
