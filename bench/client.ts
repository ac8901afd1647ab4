/**
 * A small registry client for the benchmark, built on node:http with a keep-alive agent
 * (node's fetch adds per-request overhead that would cap the manifest-GET figures).
 *
 * Auth follows the server's challenge the way docker clients do, so the same client works
 * against either server:
 *  - `Bearer realm=…,service=…` → fetch a token from the realm with Basic credentials and the
 *    repository scope, then send `Authorization: Bearer <token>` on every request;
 *  - `Basic realm=…` → send Basic credentials on every request;
 *  - no challenge (GET /v2/ → 200) → send nothing.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

export interface ClientOptions {
  baseUrl: string;
  username: string;
  password: string;
  /** Repository this client talks to; it decides the token scope. */
  repository: string;
  maxSockets: number;
  timeoutMs?: number;
  /** Token scope actions; "pull,push" unless the workload deletes too. */
  actions?: string;
}

/** A body is either bytes or a factory, so a request can be replayed after a 401. */
export type Body = Buffer | { length: number; open: () => Readable };

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: Body;
  /** Statuses that count as success; anything else throws a RegistryError. */
  expect: number[];
  /** Keep the response body (small responses only); otherwise it is counted and dropped. */
  collect?: boolean;
  /** Hash the response body while discarding it. */
  hash?: boolean;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  bytes: number;
  sha256?: string;
}

export class RegistryError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly responseHeaders: IncomingHttpHeaders,
    readonly responseBody: string,
  ) {
    super(`${method} ${url} → ${status} ${responseBody.slice(0, 400)}`);
  }
}

export type AuthMode = 'none' | 'basic' | 'bearer';

/** Only ever talk to this machine: a redirect or realm elsewhere is a bug, not a target. */
export function assertLoopback(url: URL): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!(host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host))) {
    throw new Error(`refusing non-loopback URL ${url.href}`);
  }
}

/** Parses `Bearer realm="x",service="y"` into scheme and params. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  const re = /([A-Za-z_]+)=(?:"([^"]*)"|([^,\s]*))/g;
  for (const m of header.slice(space + 1).matchAll(re)) {
    const name = m[1];
    if (name) params[name.toLowerCase()] = m[2] ?? m[3] ?? '';
  }
  return { scheme, params };
}

export class RegistryClient {
  readonly agent: http.Agent;
  readonly base: URL;
  mode: AuthMode = 'none';
  /** Requests replayed after a 401 (token expiry or a server that forgot us). */
  reauths = 0;
  private authorization: string | undefined;
  private tokenExpiresAt = Infinity;
  private challenge: { scheme: string; params: Record<string, string> } | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly timeoutMs: number;

  constructor(private readonly opts: ClientOptions) {
    this.base = new URL(opts.baseUrl);
    assertLoopback(this.base);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets, maxFreeSockets: opts.maxSockets });
    this.timeoutMs = opts.timeoutMs ?? 120_000;
  }

  get repository(): string {
    return this.opts.repository;
  }

  /** The docker handshake: GET /v2/, and answer whatever challenge comes back. */
  async login(): Promise<AuthMode> {
    const reply = await this.raw('GET', '/v2/', { expect: [200, 401], collect: true }, undefined);
    if (reply.status === 200) {
      this.mode = 'none';
      return this.mode;
    }
    const header = reply.headers['www-authenticate'];
    const value = Array.isArray(header) ? header[0] : header;
    if (!value) throw new Error('GET /v2/ → 401 without WWW-Authenticate');
    this.challenge = parseChallenge(value);
    await this.authenticate();
    return this.mode;
  }

  private basic(): string {
    return `Basic ${Buffer.from(`${this.opts.username}:${this.opts.password}`).toString('base64')}`;
  }

  private async authenticate(): Promise<void> {
    const challenge = this.challenge;
    if (!challenge) return;
    if (challenge.scheme === 'basic') {
      this.mode = 'basic';
      this.authorization = this.basic();
      return;
    }
    if (challenge.scheme !== 'bearer') throw new Error(`unsupported auth scheme ${challenge.scheme}`);
    const realm = challenge.params.realm;
    if (!realm) throw new Error('Bearer challenge without realm');
    const url = new URL(realm, this.base);
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    url.searchParams.set('scope', `repository:${this.opts.repository}:${this.opts.actions ?? 'pull,push'}`);
    const reply = await this.raw('GET', url.href, { expect: [200], collect: true }, this.basic());
    const json: unknown = JSON.parse(reply.body.toString('utf8'));
    const fields = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
    const token = fields.token ?? fields.access_token;
    if (typeof token !== 'string') throw new Error(`token response without token: ${reply.body.toString('utf8').slice(0, 200)}`);
    const expiresIn = typeof fields.expires_in === 'number' ? fields.expires_in : 60;
    this.mode = 'bearer';
    this.authorization = `Bearer ${token}`;
    // Refresh 20 s early so no request races the expiry.
    this.tokenExpiresAt = Date.now() + Math.max(expiresIn - 20, 5) * 1000;
  }

  /** One refresh at a time, however many requests notice the expiry together. */
  private refresh(): Promise<void> {
    this.refreshing ??= this.authenticate().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** The Authorization header to send now (refreshing an expiring token first). */
  async authorizationHeader(forceRefresh = false): Promise<string | undefined> {
    if (forceRefresh || (this.mode === 'bearer' && Date.now() >= this.tokenExpiresAt)) {
      if (forceRefresh) this.reauths++;
      await this.refresh();
    }
    return this.authorization;
  }

  /** An authenticated request; replays once after a 401 with fresh credentials. */
  async request(method: string, pathOrUrl: string, opts: RequestOptions): Promise<Reply> {
    if (this.mode === 'bearer' && Date.now() >= this.tokenExpiresAt) await this.refresh();
    const expect401 = opts.expect.includes(401) ? opts.expect : [...opts.expect, 401];
    const first = await this.raw(method, pathOrUrl, { ...opts, expect: expect401 }, this.authorization);
    if (first.status !== 401 || opts.expect.includes(401) || !this.challenge) return first;
    this.reauths++;
    await this.refresh();
    return this.raw(method, pathOrUrl, opts, this.authorization);
  }

  /** One HTTP exchange, body streamed in, response drained (or collected) before resolving. */
  raw(method: string, pathOrUrl: string, opts: RequestOptions, authorization: string | undefined): Promise<Reply> {
    const url = new URL(pathOrUrl, this.base);
    assertLoopback(url);
    const headers: Record<string, string> = { ...opts.headers };
    if (authorization) headers.authorization = authorization;
    const body = opts.body;
    if (body !== undefined) headers['content-length'] = String(Buffer.isBuffer(body) ? body.length : body.length);
    else if (method === 'PUT' || method === 'POST' || method === 'PATCH') headers['content-length'] = '0';

    return new Promise<Reply>((resolve, reject) => {
      let source: Readable | undefined;
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, agent: this.agent }, (res) => {
        const status = res.statusCode ?? 0;
        const ok = opts.expect.includes(status);
        // An early error reply (e.g. 400 mid-upload): stop feeding the request body.
        if (!ok && source) source.unpipe(req);
        const keep = opts.collect || !ok;
        const pieces: Buffer[] = [];
        const hash = opts.hash && ok ? createHash('sha256') : undefined;
        let bytes = 0;
        res.on('data', (piece: Buffer) => {
          bytes += piece.length;
          if (keep && bytes <= 1024 * 1024) pieces.push(piece);
          hash?.update(piece);
        });
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(pieces);
          if (!ok) {
            // A half-sent body leaves the connection unusable: drop it rather than pool it.
            if (source && !req.writableFinished) {
              source.destroy();
              req.destroy();
            }
            reject(new RegistryError(method, url.href, status, res.headers, text.toString('utf8')));
            return;
          }
          resolve({ status, headers: res.headers, body: text, bytes, sha256: hash ? `sha256:${hash.digest('hex')}` : undefined });
        });
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`${method} ${url.href}: no progress for ${this.timeoutMs} ms`)));
      req.on('error', reject);
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else {
        source = body.open();
        source.on('error', (err) => req.destroy(err));
        source.pipe(req);
      }
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Resolves a Location header against the request URL and appends query parameters. */
export function withQuery(location: string, base: URL, params: Record<string, string>): string {
  const url = new URL(location, base);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
}

export function header(reply: Reply, name: string): string {
  const value = reply.headers[name.toLowerCase()];
  const first = Array.isArray(value) ? value[0] : value;
  if (!first) throw new Error(`response ${reply.status} has no ${name} header`);
  return first;
}
