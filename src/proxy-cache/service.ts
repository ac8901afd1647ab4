import { pipeline, Readable } from 'node:stream';
import { findArtifactByDigest, findArtifactByTag, type ManifestReference } from '../content/index.js';
import type { Project, Repository } from '../platform/db/index.js';
import { throttled } from '../platform/lib/index.js';
import { proxyBytesPerSecond } from '../projects/index.js';
import { OciError } from '../platform/errors/index.js';
import type { ProxyCacheDeps } from './deps.js';
import { mediaTypeOf, readAll, type ProxiedManifest } from './manifest-bytes.js';
import { Promotions } from './promotions.js';
import { findCachedTag, saveCachedTag } from './repo.js';
import { READY, UpstreamFetches, HOLD_MS, type FetchHold } from './fetches.js';
import { tee } from './tee.js';
import { isUpstreamUnavailable, upstreamFailure, UpstreamClients, type Upstream } from './upstream.js';

export type { ProxiedManifest } from './manifest-bytes.js';

/** A blob the proxy cache answers itself (not cached yet): its size, and its bytes for a GET. */
export interface ProxiedBlob {
  size: number;
  stream?: Readable;
}

/** What the client asked of a blob: its size (HEAD), its bytes as they arrive (GET), or part of it (a Range GET waits for the whole). */
export type BlobWant = 'head' | 'stream' | 'stored';

interface Flight {
  /** The first caller's copy (undefined when another instance fetched it: content has it); followers wait for `stored`. */
  first: Promise<ProxiedBlob | undefined>;
  stored: Promise<void>;
}

/** A manifest's answer as content holds it now (`answer` undefined: the route serves the artifact). */
interface Answered {
  answer: ProxiedManifest | undefined;
}

const PROXY_ACTOR = { name: 'proxy-cache' };
/** Images cached in the background at once, at most. */
const MAX_PREFETCHES = 16;
/** Blobs of one image cached in the background, at most. */
const MAX_PREFETCH_BLOBS = 256;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** The config and layers an image manifest names (none for an index or anything unreadable). */
function imageBlobs(bytes: Buffer): string[] {
  try {
    const body = JSON.parse(bytes.toString('utf8')) as { config?: { digest?: unknown }; layers?: Array<{ digest?: unknown }> };
    const digests = [body.config?.digest, ...(Array.isArray(body.layers) ? body.layers.map((layer) => layer?.digest) : [])];
    return digests.filter((digest): digest is string => typeof digest === 'string' && DIGEST.test(digest)).slice(0, MAX_PREFETCH_BLOBS);
  } catch {
    return [];
  }
}

/**
 * Harbor's proxy cache: the pull path of a project that mirrors a registry endpoint. Answers
 * undefined when content holds the answer already (the /v2/ route then serves it as any pull,
 * with the pull gates); otherwise fetches from the upstream, stores through content, and
 * answers the bytes. When the upstream is rate-limiting, failing or unreachable, what is cached
 * is served (Harbor fails the pull instead, goharbor/harbor#19899).
 */
export class ProxyCache {
  private readonly upstreams: UpstreamClients;
  private readonly promotions: Promotions;
  /** Images being cached in the background after a pull gate held them back (`prefetch`). */
  private readonly prefetching = new Set<string>();
  /** Blobs being fetched, by repository and digest: one upstream read however many pull at once. */
  private readonly flights = new Map<string, Flight>();
  /** Manifests being fetched and tags being checked upstream: this instance's callers share one answer. */
  private readonly manifestFlights = new Map<string, Promise<ProxiedManifest | undefined>>();
  /** The same across instances. */
  private readonly fetches: UpstreamFetches;

  constructor(private readonly deps: ProxyCacheDeps) {
    this.upstreams = new UpstreamClients(deps);
    this.fetches = new UpstreamFetches(deps);
    this.promotions = new Promotions(deps.content, deps.log, PROXY_ACTOR);
  }

  private get db() {
    return this.deps.database.db;
  }

  async manifest(project: Project, name: string, reference: ManifestReference): Promise<ProxiedManifest | undefined> {
    if (reference.kind === 'digest') {
      const repository = await this.deps.content.findRepository(name);
      // A digest names the same bytes forever: whatever is cached is current.
      if (repository && (await findArtifactByDigest(this.db, repository.id, reference.digest))) return undefined;
      const cached = repository && (await this.cachedManifest(repository, reference.digest, undefined));
      if (cached) return cached;
      const digest = reference.digest;
      const fromCache = async (): Promise<Answered | undefined> => {
        const found = await this.deps.content.findRepository(name);
        const bytes = found && (await this.cachedManifest(found, digest, undefined));
        return bytes ? { answer: bytes } : undefined;
      };
      return this.manifestFlight(`manifest:${name}@${digest}`, fromCache, async () => {
        const fetched = await this.fetchManifest(await this.upstream(project), name, digest);
        await this.store(project, name, reference, fetched);
        return fetched;
      });
    }
    const tag = reference.tag;
    const state = await this.tagFromCache(name, tag);
    if ('answer' in state) return state.answer;
    // The upstream is asked what the tag names: once however many pull it at once, on any instance.
    const fromCache = async (): Promise<Answered | undefined> => {
      const again = await this.tagFromCache(name, tag);
      return 'answer' in again ? again : undefined;
    };
    return this.manifestFlight(`tag:${name}:${tag}`, fromCache, () => this.checkTag(project, name, reference, state.repository, state.cached));
  }

  /** The tag's answer from what is cached while it is fresh; otherwise what is cached of it. */
  private async tagFromCache(name: string, tag: string): Promise<Answered | { repository: Repository | undefined; cached: ProxiedManifest | undefined }> {
    const known = await findCachedTag(this.db, name, tag);
    const fresh = known !== undefined && this.deps.clock.now() - known.checked_at < this.deps.config.proxyCache.tagFreshnessSeconds * 1000;
    // The common hit, in that one read: the tag's artifact is what the upstream named at the last check, and the route
    // serves it from content as any pull. The cached bytes are read only while the artifact is not there yet.
    if (fresh && known.tagged === known.digest) return { answer: undefined };
    const repository = await this.deps.content.findRepository(name);
    const cached = known && repository ? await this.cachedManifest(repository, known.digest, known.media_type) : undefined;
    if (cached && fresh) return { answer: await this.servedFromContent(repository, tag, cached) };
    return { repository, cached };
  }

  /**
   * Upstream work for a manifest, once: this instance's callers share its answer, and an instance
   * that finds another one doing it waits for it to end, then answers from content (`fromCache`).
   */
  private manifestFlight(key: string, fromCache: () => Promise<Answered | undefined>, work: () => Promise<ProxiedManifest | undefined>) {
    const running = this.manifestFlights.get(key);
    if (running) return running;
    let found: Answered | undefined;
    const flight = this.fetches
      .once(
        key,
        async () => (found = await fromCache()) !== undefined,
        async (hold) => {
          hold.keep();
          try {
            return await work();
          } finally {
            await hold.release();
          }
        },
      )
      .then((outcome) => (outcome === READY ? found?.answer : outcome));
    this.manifestFlights.set(key, flight);
    void flight.catch(() => undefined).finally(() => this.manifestFlights.delete(key));
    return flight;
  }

  /** Asks the upstream what the tag names now, and fetches that manifest when it is not cached. */
  private async checkTag(
    project: Project,
    name: string,
    reference: ManifestReference & { kind: 'tag' },
    repository: Repository | undefined,
    cached: ProxiedManifest | undefined,
  ): Promise<ProxiedManifest | undefined> {
    const tag = reference.tag;
    const now = this.deps.clock.now();
    const upstream = await this.upstream(project);
    let head: { digest: string; mediaType: string } | undefined;
    try {
      // With a copy at hand, a 429 or 5xx is answered from it at once instead of retried.
      head = await upstream.client.headManifest(upstream.repository(name), tag, { retry: !cached });
    } catch (error) {
      if (cached && isUpstreamUnavailable(error)) {
        this.deps.log.warn({ err: error, repository: name, tag }, 'proxy cache serves its cached tag: the upstream is unavailable');
        return this.servedFromContent(repository, tag, cached);
      }
      throw upstreamFailure(error, 'manifest');
    }
    if (!head) throw new OciError('MANIFEST_UNKNOWN', { name, tag }, `the upstream registry has no ${upstream.repository(name)}:${tag}`);
    if (cached && head.digest === cached.digest) {
      await saveCachedTag(this.db, name, tag, cached, now);
      return this.servedFromContent(repository, tag, cached);
    }
    const fetched = (repository && (await this.cachedManifest(repository, head.digest, head.mediaType))) || (await this.fetchManifest(upstream, name, head.digest));
    await this.store(project, name, reference, fetched);
    await saveCachedTag(this.db, name, tag, fetched, now);
    return fetched;
  }

  /**
   * A blob: undefined when cached (the route serves it); otherwise fetched once from the
   * upstream and streamed to the first caller while it is stored, verified, and published.
   */
  async blob(project: Project, name: string, digest: string, want: BlobWant): Promise<ProxiedBlob | undefined> {
    if ((await this.cachedBlobSize(name, digest)) !== undefined) return undefined;
    const key = `${name}@${digest}`;
    const running = this.flights.get(key);
    if (running) {
      await running.stored;
      return this.afterFlight(name, digest);
    }
    const upstream = await this.upstream(project);
    if (want === 'head') {
      const found = await upstream.client.headBlob(upstream.repository(name), digest).catch((error: unknown) => {
        throw upstreamFailure(error, 'blob');
      });
      if (!found) throw new OciError('BLOB_UNKNOWN', { digest });
      return { size: found.size };
    }
    // Another caller may have started the flight while this one looked up the upstream.
    const meanwhile = this.flights.get(key);
    if (meanwhile) {
      await meanwhile.stored;
      return this.afterFlight(name, digest);
    }
    const flight = this.startFlight(project, upstream, name, digest);
    this.flights.set(key, flight);
    if (want === 'stream') return flight.first;
    // A Range request is served from the stored copy: nobody reads the leader's stream, so drain it.
    (await flight.first)?.stream?.resume();
    await flight.stored;
    return this.afterFlight(name, digest);
  }

  /**
   * Caches an image whose manifest a pull gate refused before it was an artifact here, in the
   * background: its client never asks for the layers, yet only once they are here does it become
   * an artifact that can be scanned (and signed, listed, allowed). Bounded: one run per manifest
   * at a time, and few at once.
   */
  prefetch(project: Project, name: string, manifest: ProxiedManifest): void {
    const key = `${name}@${manifest.digest}`;
    if (this.prefetching.has(key) || this.prefetching.size >= MAX_PREFETCHES) return;
    const blobs = imageBlobs(manifest.bytes);
    if (blobs.length === 0) return;
    this.prefetching.add(key);
    void (async () => {
      for (const digest of blobs) await this.blob(project, name, digest, 'stored');
    })()
      .catch((error: unknown) =>
        this.deps.log.warn({ err: error, repository: name, digest: manifest.digest }, 'proxy cache could not cache an image a pull gate held back'),
      )
      .finally(() => this.prefetching.delete(key));
  }

  /** Waits for background storing (tests; shutdown). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.flights.values()].map((f) => f.stored));
    await Promise.allSettled([...this.manifestFlights.values()]);
    await this.promotions.settled();
  }

  close(): void {
    this.upstreams.close();
  }

  private startFlight(project: Project, upstream: Upstream, name: string, digest: string): Flight {
    const key = `${name}@${digest}`;
    let release: (error?: unknown) => void = () => undefined;
    const stored = new Promise<void>((resolve, reject) => {
      release = (error) => (error === undefined ? resolve() : reject(error as Error));
    });
    const first = (async (): Promise<ProxiedBlob | undefined> => {
      try {
        const outcome = await this.fetches.once(
          `blob:${key}`,
          async () => (await this.cachedBlobSize(name, digest)) !== undefined,
          (hold) => this.fetchBlob(project, upstream, name, digest, hold, release),
        );
        if (outcome !== READY) return outcome;
        // Another instance fetched it: content has it.
        release();
        return undefined;
      } catch (error) {
        release(error);
        throw error;
      }
    })();
    // Followers see the failure through `stored`; the leader through `first`.
    stored.catch(() => undefined).finally(() => this.flights.delete(key));
    first.catch(() => undefined);
    return { first, stored };
  }

  /**
   * Reads the blob from the upstream, holding its fetch while the bytes flow: they go to the
   * first caller and into content at once; `release` tells the followers when they are stored.
   */
  private async fetchBlob(
    project: Project,
    upstream: Upstream,
    name: string,
    digest: string,
    hold: FetchHold,
    release: (error?: unknown) => void,
  ): Promise<ProxiedBlob> {
    let fetched: { stream: Readable; size: number };
    let repository: Repository;
    let limit: number | undefined;
    try {
      repository = await this.deps.content.ensureRepository(project.id, name);
      limit = await proxyBytesPerSecond(this.db, project.id);
      fetched = await upstream.client.getBlob(upstream.repository(name), digest);
    } catch (error) {
      await hold.release();
      const failure = upstreamFailure(error, 'blob');
      release(failure);
      throw failure;
    }
    // proxy_speed_kb bounds the upstream read, so the client and the store both get it at that pace.
    const source = limit === undefined ? fetched.stream : pipeline(fetched.stream, throttled(limit), () => undefined);
    const copies = tee(source);
    // Held while bytes arrive (and while they are stored after the last): an upstream silent for
    // longer than the hold lets another instance try.
    let lastByte = Date.now();
    let ended = false;
    source.on('data', () => (lastByte = Date.now()));
    source.once('end', () => (ended = true));
    hold.keep(() => ended || Date.now() - lastByte < HOLD_MS);
    this.deps.content
      .putBlob(repository, digest, copies.store)
      .then(async () => {
        await hold.release();
        release();
        this.promotions.retry(repository);
      })
      .catch(async (error: unknown) => {
        copies.dropStore();
        this.deps.log.warn({ err: error, repository: name, digest }, 'proxy cache could not store a blob it served');
        await hold.release();
        release(error);
      });
    return { size: fetched.size, stream: copies.client };
  }

  private async afterFlight(name: string, digest: string): Promise<undefined> {
    if ((await this.cachedBlobSize(name, digest)) !== undefined) return undefined;
    throw new OciError('BLOB_UNKNOWN', { digest }, `blob ${digest} could not be fetched from the upstream registry`);
  }

  private async cachedBlobSize(name: string, digest: string): Promise<number | undefined> {
    const repository = await this.deps.content.findRepository(name);
    return repository ? this.deps.content.blobSize(repository, digest) : undefined;
  }

  private async upstream(project: Project): Promise<Upstream> {
    if (project.registry_id === null) throw new Error(`project ${project.name} is not a proxy cache`);
    return this.upstreams.forEndpoint(project.registry_id);
  }

  /** The tag's artifact in content when it is the cached one (served with the pull gates), else the cached bytes. */
  private async servedFromContent(repository: Repository | undefined, tag: string, cached: ProxiedManifest): Promise<ProxiedManifest | undefined> {
    const artifact = repository && (await findArtifactByTag(this.db, repository.id, tag));
    return artifact?.digest === cached.digest ? undefined : cached;
  }

  /** A manifest's bytes the repository holds: as an artifact, or cached as a blob while its layers are not. */
  private async cachedManifest(repository: Repository, digest: string, mediaType: string | undefined): Promise<ProxiedManifest | undefined> {
    const artifact = await findArtifactByDigest(this.db, repository.id, digest);
    if (!artifact && (await this.deps.content.blobSize(repository, digest)) === undefined) return undefined;
    const bytes = artifact ? await this.deps.content.manifests.read(artifact) : await readAll(await this.deps.content.readBlob(digest));
    return { digest, mediaType: artifact?.media_type ?? mediaTypeOf(bytes, mediaType), bytes };
  }

  private async fetchManifest(upstream: Upstream, name: string, digest: string): Promise<ProxiedManifest> {
    let fetched: { digest: string; mediaType: string; bytes: Buffer } | undefined;
    try {
      fetched = await upstream.client.getManifest(upstream.repository(name), digest);
    } catch (error) {
      throw upstreamFailure(error, 'manifest');
    }
    if (!fetched) throw new OciError('MANIFEST_UNKNOWN', { name, digest }, `the upstream registry has no ${upstream.repository(name)}@${digest}`);
    return { digest: fetched.digest, mediaType: mediaTypeOf(fetched.bytes, fetched.mediaType), bytes: fetched.bytes };
  }

  /** Keeps the manifest's bytes (verified by content) and queues it to become an artifact. */
  private async store(project: Project, name: string, reference: ManifestReference, manifest: ProxiedManifest): Promise<void> {
    const repository = await this.deps.content.ensureRepository(project.id, name);
    if ((await this.deps.content.blobSize(repository, manifest.digest)) === undefined) {
      await this.deps.content.putBlob(repository, manifest.digest, Readable.from([manifest.bytes]));
    }
    this.promotions.add(repository, reference, manifest);
  }
}
