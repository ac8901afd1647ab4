import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { sha256Digest, type Descriptor } from './signature-manifest.js';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** How to reach a registry: scheme, TLS checking and who to sign in as. */
export interface Connection {
  readonly registry: string;
  /** Speak plain HTTP (a registry without TLS). */
  readonly plainHttp?: boolean;
  /** Accept any TLS certificate (self-signed, wrong name). */
  readonly insecureTls?: boolean;
  readonly credentials?: Credentials;
}

/** What went wrong talking to the registry, worded for the person at the terminal. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

/** Manifests and signature payloads are small; anything bigger than this is refused rather than read. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_REDIRECTS = 5;
const TIMEOUT_MS = 60_000;

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

interface Send {
  readonly method: string;
  readonly url: URL;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer;
  readonly maxBytes?: number;
}

export interface FetchedManifest {
  readonly bytes: Buffer;
  readonly mediaType: string;
  readonly digest: string;
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** The parameters of a `WWW-Authenticate: Bearer realm="…",service="…"` (or Basic) challenge. */
export function parseChallenge(value: string): { scheme: string; params: Record<string, string> } {
  const scheme = (/^\s*(\S+)/.exec(value)?.[1] ?? '').toLowerCase();
  const params: Record<string, string> = {};
  for (const match of value.matchAll(/([A-Za-z_]+)="([^"]*)"/g)) params[(match[1] ?? '').toLowerCase()] = match[2] ?? '';
  return { scheme, params };
}

/** The first message of an OCI error body, when there is one. */
function registryMessage(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: string; message?: string }> };
    const first = parsed.errors?.[0];
    if (!first) return undefined;
    return [first.code, first.message].filter(Boolean).join(': ');
  } catch {
    return undefined;
  }
}

function networkProblem(url: URL, err: NodeJS.ErrnoException, plainHttp: boolean): string {
  const where = `${url.protocol}//${url.host}`;
  if (err.code === 'ECONNREFUSED') return `cannot connect to ${where}: connection refused (is the registry running there?)`;
  if (err.code === 'ENOTFOUND') return `cannot connect to ${where}: unknown host`;
  if (/certificate|self[- ]signed|unable to verify/i.test(err.message))
    return `TLS certificate of ${where} not trusted (${err.message}); use --insecure to accept it`;
  if (!plainHttp && /wrong version number|packet length too long|EPROTO/i.test(`${err.code ?? ''} ${err.message}`)) {
    return `${where} does not speak HTTPS; use --plain-http for a registry without TLS`;
  }
  return `cannot talk to ${where}: ${err.message}`;
}

/**
 * A client for one repository of one registry, signing in the way docker does: on a 401 it
 * follows the challenge (a Bearer token from the named realm, with Basic credentials when it
 * has them, or Basic directly) and tries once more.
 */
export class RegistryClient {
  private authorization: string | undefined;
  readonly base: URL;

  constructor(
    readonly connection: Connection,
    readonly repository: string,
    /** What the token must allow on the repository: `pull`, or `pull,push` to sign. */
    private readonly actions: string,
  ) {
    this.base = new URL(`${connection.plainHttp ? 'http' : 'https'}://${connection.registry}`);
  }

  private send(request: Send): Promise<Answer> {
    const { url } = request;
    const agentModule = url.protocol === 'https:' ? https : http;
    const limit = request.maxBytes ?? MAX_MANIFEST_BYTES;
    return new Promise((resolve, reject) => {
      const req = agentModule.request(
        url,
        {
          method: request.method,
          headers: { 'user-agent': 'berth-sign', ...request.headers, ...(request.body ? { 'content-length': String(request.body.length) } : {}) },
          timeout: TIMEOUT_MS,
          ...(url.protocol === 'https:' && this.connection.insecureTls ? { rejectUnauthorized: false } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > limit) {
              req.destroy(new RegistryError(`${url.pathname}: the answer is larger than ${limit} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new RegistryError(`${url.host} did not answer within ${TIMEOUT_MS / 1000} s`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        reject(err instanceof RegistryError ? err : new RegistryError(networkProblem(url, err, this.connection.plainHttp === true)));
      });
      req.end(request.body);
    });
  }

  private scope(): string {
    return `repository:${this.repository}:${this.actions}`;
  }

  private basic(): string | undefined {
    const credentials = this.connection.credentials;
    return credentials ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` : undefined;
  }

  private async authenticate(challengeHeader: string | undefined): Promise<void> {
    const { scheme, params } = parseChallenge(challengeHeader ?? '');
    if (scheme === 'basic') {
      const basic = this.basic();
      if (!basic) throw this.needsCredentials();
      this.authorization = basic;
      return;
    }
    if (scheme !== 'bearer' || !params.realm) throw new RegistryError(`${this.connection.registry} answered 401 without a usable challenge`, 401);
    const realm = new URL(params.realm, this.base);
    if (params.service) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', this.scope());
    const basic = this.basic();
    const answer = await this.send({ method: 'GET', url: realm, headers: basic ? { authorization: basic } : {} });
    if (answer.status === 401) throw this.connection.credentials ? this.refused() : this.needsCredentials();
    if (answer.status !== 200) {
      throw new RegistryError(`the token service ${realm.origin}${realm.pathname} answered ${answer.status}${this.detail(answer.body)}`, answer.status);
    }
    let token: string | undefined;
    try {
      const parsed = JSON.parse(answer.body.toString('utf8')) as { token?: string; access_token?: string };
      token = parsed.token ?? parsed.access_token;
    } catch {
      token = undefined;
    }
    if (!token) throw new RegistryError(`the token service ${realm.origin}${realm.pathname} gave no token`);
    this.authorization = `Bearer ${token}`;
  }

  private detail(body: Buffer): string {
    const message = registryMessage(body);
    return message ? ` (${message})` : '';
  }

  private needsCredentials(): RegistryError {
    return new RegistryError(
      `${this.connection.registry} requires authentication (401 Unauthorized): pass --username and --password, or set BERTH_REGISTRY_USERNAME and BERTH_REGISTRY_PASSWORD`,
      401,
    );
  }

  private refused(): RegistryError {
    return new RegistryError(`${this.connection.registry} refused the credentials of "${this.connection.credentials?.username ?? ''}" (401 Unauthorized)`, 401);
  }

  /** A request with the repository's authorization, signing in on a 401 and following redirects (not carrying credentials to other hosts). */
  async request(method: string, target: string | URL, init: { headers?: Record<string, string>; body?: Buffer; maxBytes?: number } = {}): Promise<Answer> {
    let url = typeof target === 'string' ? new URL(target, this.base) : target;
    let signedIn = false;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const sameHost = url.host === this.base.host;
      const headers = { ...init.headers, ...(sameHost && this.authorization ? { authorization: this.authorization } : {}) };
      const answer = await this.send({ method, url, headers, ...(init.body ? { body: init.body } : {}), ...(init.maxBytes ? { maxBytes: init.maxBytes } : {}) });
      if (answer.status === 401 && sameHost) {
        const challenge = header(answer.headers, 'www-authenticate');
        if (signedIn) {
          if (!this.connection.credentials) throw this.needsCredentials();
          if (challenge && parseChallenge(challenge).params.error === 'insufficient_scope') {
            throw new RegistryError(
              `denied: not allowed to ${this.actions.includes('push') ? 'push to' : 'pull from'} ${this.repository} (insufficient scope)`,
              403,
            );
          }
          throw this.refused();
        }
        await this.authenticate(challenge);
        signedIn = true;
        hop--;
        continue;
      }
      const location = header(answer.headers, 'location');
      if ([301, 302, 303, 307, 308].includes(answer.status) && location && (method === 'GET' || method === 'HEAD')) {
        url = new URL(location, url);
        continue;
      }
      if (answer.status === 403) throw new RegistryError(`denied: ${method} ${url.pathname} refused (403 Forbidden)${this.detail(answer.body)}`, 403);
      return answer;
    }
    throw new RegistryError(`too many redirects from ${url.host}`);
  }

  private unexpected(what: string, answer: Answer): RegistryError {
    return new RegistryError(`${what}: ${this.connection.registry} answered ${answer.status}${this.detail(answer.body)}`, answer.status);
  }

  /** A manifest by tag or digest, checked against the digest when asked by digest; undefined when there is none. */
  async getManifest(reference: string): Promise<FetchedManifest | undefined> {
    const answer = await this.request('GET', `/v2/${this.repository}/manifests/${reference}`, { headers: { accept: MANIFEST_TYPES.join(', ') } });
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw this.unexpected(`reading manifest ${this.repository}:${reference}`, answer);
    const digest = sha256Digest(answer.body);
    if (reference.startsWith('sha256:') && digest !== reference) throw new RegistryError(`the manifest served for ${reference} has digest ${digest}`);
    const mediaType = (header(answer.headers, 'content-type') ?? '').split(';')[0]?.trim() ?? '';
    let declared: string | undefined;
    try {
      declared = (JSON.parse(answer.body.toString('utf8')) as { mediaType?: string }).mediaType;
    } catch {
      throw new RegistryError(`the manifest ${this.repository}:${reference} is not JSON`);
    }
    return { bytes: answer.body, mediaType: declared ?? mediaType, digest };
  }

  async getBlob(digest: string, maxBytes: number): Promise<Buffer> {
    const answer = await this.request('GET', `/v2/${this.repository}/blobs/${digest}`, { maxBytes });
    if (answer.status !== 200) throw this.unexpected(`reading blob ${digest}`, answer);
    if (sha256Digest(answer.body) !== digest) throw new RegistryError(`the blob served for ${digest} does not match its digest`);
    return answer.body;
  }

  /** Uploads a blob unless the repository has it (monolithic upload: POST, then PUT with the digest). */
  async pushBlob(bytes: Buffer, digest: string): Promise<'pushed' | 'exists'> {
    const head = await this.request('HEAD', `/v2/${this.repository}/blobs/${digest}`);
    if (head.status === 200) return 'exists';
    const started = await this.request('POST', `/v2/${this.repository}/blobs/uploads/`, { headers: { 'content-length': '0' } });
    const location = header(started.headers, 'location');
    if (started.status !== 202 || !location) throw this.unexpected(`starting the upload of ${digest}`, started);
    const url = new URL(location, this.base);
    url.searchParams.set('digest', digest);
    const done = await this.request('PUT', url, { headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    if (done.status !== 201) throw this.unexpected(`uploading ${digest}`, done);
    return 'pushed';
  }

  /** Puts a manifest under a tag or its digest; answers the registry's `OCI-Subject` header (referrers API support). */
  async putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<{ subjectHeader?: string }> {
    const answer = await this.request('PUT', `/v2/${this.repository}/manifests/${reference}`, { headers: { 'content-type': mediaType }, body: bytes });
    if (answer.status !== 201) throw this.unexpected(`pushing manifest ${this.repository}:${reference}`, answer);
    const subjectHeader = header(answer.headers, 'oci-subject');
    return subjectHeader ? { subjectHeader } : {};
  }

  /** The referrers API's index for a digest, filtered by artifact type; undefined when the registry has no referrers API. */
  async referrers(digest: string, artifactType: string): Promise<readonly Descriptor[] | undefined> {
    const answer = await this.request('GET', `/v2/${this.repository}/referrers/${digest}?artifactType=${encodeURIComponent(artifactType)}`);
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw this.unexpected(`listing referrers of ${digest}`, answer);
    return manifestsOfIndex(answer.body);
  }
}

/** The descriptors an image index lists (the referrers API's answer, or a fallback tag's index). */
export function manifestsOfIndex(bytes: Buffer): readonly Descriptor[] {
  try {
    const index = JSON.parse(bytes.toString('utf8')) as { manifests?: unknown };
    return Array.isArray(index.manifests) ? (index.manifests as Descriptor[]) : [];
  } catch {
    throw new RegistryError('the referrers index is not JSON');
  }
}
