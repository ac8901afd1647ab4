import type { Readable } from 'node:stream';
import { systemClock, type Clock } from '../clock.js';
import { discard, headerOf, readBody, type Answer, type RegistryConnection } from './connection.js';
import { answeredError, RegistryError } from './errors.js';
import { checkDigest, checkReference, checkRepository, digestOf, MANIFEST_TYPES, MAX_MANIFEST_BYTES, type Descriptor } from './names.js';
import { listPages, nextLink } from './paging.js';
import { Requester } from './requester.js';
import { BlobPush, type OpenBlob, type PushBlobOptions, type PushBlobResult } from './upload.js';

const pull = (repository: string): string[] => [`repository:${repository}:pull`];
const push = (repository: string): string[] => [`repository:${repository}:pull,push`];
const contentType = (answer: Answer): string => (headerOf(answer.headers, 'content-type') ?? '').split(';')[0]?.trim() ?? '';
const sizeOf = (answer: Answer): number => Number(headerOf(answer.headers, 'content-length') ?? NaN);

/**
 * A client for one remote registry speaking the OCI distribution API: what replication, the
 * proxy cache and `berth sign` use. Blobs stream both ways; manifests are read whole but bounded.
 * Not-found reads answer undefined; every other failure is a RegistryError.
 */
export class RegistryClient {
  private readonly requester: Requester;

  /** `clock` decides when cached tokens expire (tests move it). */
  constructor(
    readonly connection: RegistryConnection,
    clock: Clock = systemClock,
  ) {
    this.requester = new Requester(connection, () => clock.now());
  }

  /** `host:port` of the registry. */
  get host(): string {
    return this.requester.host;
  }

  /** Checks that the URL is a registry that takes these credentials (GET /v2/, signing in on a challenge). */
  async ping(): Promise<void> {
    // No retries: whoever tests a registry endpoint wants the answer now.
    const answer = await this.requester.call({ method: 'GET', target: '/v2/', scopes: [], retry: false });
    const body = await readBody(answer, 64 * 1024, `${this.host}/v2/`).catch(() => Buffer.alloc(0));
    const apiVersion = headerOf(answer.headers, 'docker-distribution-api-version');
    if (answer.status === 200 && (apiVersion !== undefined || isJson(body))) return;
    if (answer.status === 200 || answer.status === 404) {
      throw new RegistryError(`${this.requester.transport.origin} is not a container registry (no OCI distribution API at /v2/)`, {
        status: answer.status,
        reason: 'not-a-registry',
      });
    }
    throw answeredError(`checking ${this.host}/v2/`, this.host, answer.status, body);
  }

  /**
   * A page of JSON from the registry host's own management API (Harbor's `/api/v2.0/...`), with the
   * endpoint's Basic credentials sent up front as that API wants them; bounded like a manifest.
   * Answers the parsed body and the `Link` header's next page, if on this host.
   */
  async getApiPage(path: string, signal?: AbortSignal): Promise<{ body: unknown; next?: string }> {
    const url = new URL(path, this.requester.transport.base);
    const headers: Record<string, string> = { accept: 'application/json', ...(await this.apiAuthorization(signal)) };
    const what = `GET ${url.pathname}`;
    const answer = await this.requester.transport.send({ method: 'GET', url, headers, signal });
    if (answer.status !== 200) throw await this.requester.failure(what, answer);
    const text = (await readBody(answer, MAX_MANIFEST_BYTES, what)).toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new RegistryError(`${what}: the answer is not JSON`, { reason: 'unexpected' });
    }
    const link = nextLink(headerOf(answer.headers, 'link'));
    const next = link ? new URL(link, url) : undefined;
    return next && next.origin === url.origin ? { body, next: `${next.pathname}${next.search}` } : { body };
  }

  /**
   * Makes sure a project exists on a registry that is Harbor (or Berth), creating it through
   * Harbor's API (`/api/v2.0/projects`) as Harbor's own replication adapter does, signed in with
   * the credential the same way. Answers whether it created the project.
   */
  async ensureHarborProject(name: string, isPublic: boolean): Promise<boolean> {
    const authorization = await this.apiAuthorization();
    const { transport } = this.requester;
    const head = await transport.send({
      method: 'HEAD',
      url: new URL(`/api/v2.0/projects?project_name=${encodeURIComponent(name)}`, transport.base),
      headers: { ...authorization },
    });
    discard(head);
    if (head.status === 200) return false;
    if (head.status !== 404) throw answeredError(`checking for project ${name}`, this.host, head.status, undefined);
    const body = Buffer.from(JSON.stringify({ project_name: name, metadata: { public: String(isPublic) } }));
    const created = await transport.send({
      method: 'POST',
      url: new URL('/api/v2.0/projects', transport.base),
      headers: { ...authorization, 'content-type': 'application/json' },
      body,
    });
    // 409: created meanwhile by another task of the run.
    if (created.status === 201 || created.status === 409) {
      discard(created);
      return created.status === 201;
    }
    throw await this.requester.failure(`creating project ${name}`, created);
  }

  /** The endpoint's credential as Harbor's management API takes it: sent up front, not after a challenge. */
  private async apiAuthorization(signal?: AbortSignal): Promise<Record<string, string>> {
    const credential = this.connection.credential;
    if (credential?.type === 'bearer') return { authorization: `Bearer ${credential.token}` };
    const pair = credential?.type === 'exchanged' ? await credential.exchange(signal) : credential;
    return pair ? { authorization: `Basic ${Buffer.from(`${pair.username}:${pair.password}`).toString('base64')}` } : {};
  }

  /** Every repository the registry lists to these credentials, page by page. */
  catalog(opts: { pageSize?: number } = {}): AsyncIterable<string> {
    const n = Math.min(Math.max(Math.floor(opts.pageSize ?? 100), 1), 1000);
    return listPages(this.requester, `/v2/_catalog?n=${n}`, ['registry:catalog:*'], 'repositories', 'listing the catalog');
  }

  listTags(repository: string, opts: { pageSize?: number } = {}): AsyncIterable<string> {
    checkRepository(repository);
    const n = Math.min(Math.max(Math.floor(opts.pageSize ?? 1000), 1), 10_000);
    return listPages(this.requester, `/v2/${repository}/tags/list?n=${n}`, pull(repository), 'tags', `listing the tags of ${repository}`);
  }

  /** `retry: false` answers a 429 or 5xx at once (the proxy cache then serves its copy instead of waiting). */
  async headManifest(
    repository: string,
    reference: string,
    opts: { retry?: boolean } = {},
  ): Promise<{ digest: string; mediaType: string; size: number } | undefined> {
    const path = `/v2/${checkRepository(repository)}/manifests/${checkReference(reference)}`;
    const answer = await this.requester.call({
      method: 'HEAD',
      target: path,
      scopes: pull(repository),
      headers: { accept: MANIFEST_TYPES.join(', ') },
      ...(opts.retry === false ? { retry: false } : {}),
    });
    discard(answer);
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw await this.requester.failure(`checking manifest ${repository}:${reference}`, answer);
    const digest = headerOf(answer.headers, 'docker-content-digest') ?? (reference.includes(':') ? reference : undefined);
    const size = sizeOf(answer);
    if (!digest || !Number.isSafeInteger(size)) {
      // A registry that answers HEAD without digest or length: read the manifest instead.
      const manifest = await this.getManifest(repository, reference);
      return manifest && { digest: manifest.digest, mediaType: manifest.mediaType, size: manifest.bytes.length };
    }
    return { digest, mediaType: contentType(answer), size };
  }

  /** A manifest by tag or digest (checked against the digest when asked by digest), at most 4 MiB. */
  async getManifest(repository: string, reference: string): Promise<{ digest: string; mediaType: string; bytes: Buffer } | undefined> {
    const path = `/v2/${checkRepository(repository)}/manifests/${checkReference(reference)}`;
    const what = `reading manifest ${repository}:${reference}`;
    const answer = await this.requester.call({ method: 'GET', target: path, scopes: pull(repository), headers: { accept: MANIFEST_TYPES.join(', ') } });
    if (answer.status === 404) return void discard(answer);
    if (answer.status !== 200) throw await this.requester.failure(what, answer);
    const bytes = await readBody(answer, MAX_MANIFEST_BYTES, what);
    const byDigest = reference.includes(':');
    const digest = digestOf(bytes, byDigest ? reference : (headerOf(answer.headers, 'docker-content-digest') ?? 'sha256:'));
    if (byDigest && digest !== reference) throw new RegistryError(`${what}: the manifest served has digest ${digest}`, { reason: 'unexpected' });
    let declared: unknown;
    try {
      declared = (JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }).mediaType;
    } catch {
      throw new RegistryError(`${what}: the manifest is not JSON`, { reason: 'unexpected' });
    }
    return { digest, mediaType: typeof declared === 'string' && declared ? declared : contentType(answer), bytes };
  }

  /** Stores a manifest under a tag or its digest. `subject` is the registry's `OCI-Subject` answer (it indexes referrers). */
  async putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<{ digest: string; subject?: string }> {
    const path = `/v2/${checkRepository(repository)}/manifests/${checkReference(reference)}`;
    const what = `pushing manifest ${repository}:${reference}`;
    if (bytes.length > MAX_MANIFEST_BYTES) throw new RegistryError(`${what}: the manifest is larger than ${MAX_MANIFEST_BYTES} bytes`, { reason: 'too-large' });
    const answer = await this.requester.call({ method: 'PUT', target: path, scopes: push(repository), headers: { 'content-type': mediaType }, body: bytes });
    if (answer.status !== 201) throw await this.requester.failure(what, answer);
    discard(answer);
    const digest = headerOf(answer.headers, 'docker-content-digest') ?? digestOf(bytes);
    const subject = headerOf(answer.headers, 'oci-subject');
    return subject ? { digest, subject } : { digest };
  }

  /** Deletes a manifest by digest; one already gone counts as deleted. */
  async deleteManifest(repository: string, digest: string): Promise<void> {
    const path = `/v2/${checkRepository(repository)}/manifests/${checkDigest(digest)}`;
    const answer = await this.requester.call({ method: 'DELETE', target: path, scopes: [`repository:${repository}:delete`, ...push(repository)] });
    if (answer.status !== 202 && answer.status !== 200 && answer.status !== 404)
      throw await this.requester.failure(`deleting manifest ${repository}@${digest}`, answer);
    discard(answer);
  }

  async headBlob(repository: string, digest: string): Promise<{ size: number } | undefined> {
    const path = `/v2/${checkRepository(repository)}/blobs/${checkDigest(digest)}`;
    const answer = await this.requester.call({ method: 'HEAD', target: path, scopes: pull(repository) });
    discard(answer);
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw await this.requester.failure(`checking blob ${repository}@${digest}`, answer);
    return { size: sizeOf(answer) };
  }

  /**
   * The blob's bytes as a stream (from `offset` with a Range request), never buffered; `size` is
   * the whole blob's. The caller reads the stream to its end or destroys it.
   */
  async getBlob(repository: string, digest: string, opts: { offset?: number } = {}): Promise<{ stream: Readable; size: number }> {
    const path = `/v2/${checkRepository(repository)}/blobs/${checkDigest(digest)}`;
    const offset = Math.max(Math.floor(opts.offset ?? 0), 0);
    const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
    const answer = await this.requester.call({ method: 'GET', target: path, scopes: pull(repository), headers });
    const what = `reading blob ${repository}@${digest}`;
    if (answer.status === 206) {
      const total = /\/(\d+)\s*$/.exec(headerOf(answer.headers, 'content-range') ?? '')?.[1];
      return { stream: answer.body, size: total ? Number(total) : offset + sizeOf(answer) };
    }
    if (answer.status !== 200) throw await this.requester.failure(what, answer);
    const size = sizeOf(answer);
    if (offset > 0) {
      // The registry ignored the Range: the caller still gets the bytes from the offset on.
      answer.body.destroy();
      throw new RegistryError(`${what}: the registry does not serve byte ranges`, { status: 200, reason: 'unexpected' });
    }
    return { stream: answer.body, size };
  }

  /** Mounts a blob from another repository of the same registry; false when the registry would not (the session it opened is cancelled). */
  async mountBlob(repository: string, digest: string, fromRepository: string): Promise<boolean> {
    const path = `/v2/${checkRepository(repository)}/blobs/uploads/?mount=${encodeURIComponent(checkDigest(digest))}&from=${encodeURIComponent(checkRepository(fromRepository))}`;
    const scopes = [...push(repository), ...pull(fromRepository)];
    const answer = await this.requester.call({ method: 'POST', target: path, scopes, headers: { 'content-length': '0' } });
    if (answer.status !== 201 && answer.status !== 202) throw await this.requester.failure(`mounting ${digest} from ${fromRepository} into ${repository}`, answer);
    discard(answer);
    if (answer.status === 201) return true;
    const location = headerOf(answer.headers, 'location');
    if (location) {
      const cancel = await this.requester
        .call({ method: 'DELETE', target: new URL(location, this.requester.transport.base), scopes: push(repository) })
        .catch(() => undefined);
      if (cancel) discard(cancel);
    }
    return false;
  }

  /** Uploads a blob in resumable chunks streamed from `open(offset)`; see BlobPush. */
  pushBlob(repository: string, digest: string, size: number, open: OpenBlob, opts: PushBlobOptions = {}): Promise<PushBlobResult> {
    checkRepository(repository);
    checkDigest(digest);
    if (!Number.isSafeInteger(size) || size < 0) return Promise.reject(new RegistryError(`${size} is not a blob size`, { reason: 'invalid' }));
    return new BlobPush(this.requester, repository, digest, size, open, opts).run();
  }

  /** The referrers of a manifest (optionally of one artifact type); undefined when the registry has no referrers API. */
  async referrers(repository: string, digest: string, artifactType?: string): Promise<Descriptor[] | undefined> {
    const filter = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    const path = `/v2/${checkRepository(repository)}/referrers/${checkDigest(digest)}${filter}`;
    const what = `listing the referrers of ${repository}@${digest}`;
    const answer = await this.requester.call({ method: 'GET', target: path, scopes: pull(repository) });
    if (answer.status === 404 || answer.status === 405) return void discard(answer);
    if (answer.status !== 200) throw await this.requester.failure(what, answer);
    const listed = descriptorsOfIndex(await readBody(answer, MAX_MANIFEST_BYTES, what));
    // A registry may ignore the filter (it says so by not sending OCI-Filters-Applied); filter here as well.
    return artifactType ? listed.filter((d) => d.artifactType === artifactType) : listed;
  }

  /** Closes kept-alive connections (the client stays usable; new ones open on demand). */
  close(): void {
    this.requester.close();
  }
}

/** The descriptors an image index lists (the referrers API's answer, or a referrers fallback tag's index). */
export function descriptorsOfIndex(bytes: Buffer): Descriptor[] {
  let manifests: unknown;
  try {
    manifests = (JSON.parse(bytes.toString('utf8')) as { manifests?: unknown }).manifests;
  } catch {
    throw new RegistryError('the index is not JSON', { reason: 'unexpected' });
  }
  if (!Array.isArray(manifests)) return [];
  return manifests.filter((d): d is Descriptor => typeof d === 'object' && d !== null && typeof (d as Descriptor).digest === 'string');
}

function isJson(body: Buffer): boolean {
  try {
    JSON.parse(body.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}
