import { X509Certificate } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { pipeline, Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { connectHost, guardedLookup, namesPrivateHost, PrivateTargetError, systemResolver } from '../http/index.js';
import { networkError, RegistryError } from './errors.js';

export type RegistryCredential = { type: 'basic'; username: string; password: string } | { type: 'bearer'; token: string } | ExchangedCredential;

/**
 * A user name and password obtained from elsewhere each time they may have changed (AWS ECR's
 * GetAuthorizationToken, which hands out a password for 12 hours): `exchange` answers the current
 * pair and keeps it for as long as it is good.
 */
export interface ExchangedCredential {
  type: 'exchanged';
  /** Tells one credential from another where connections are compared (no secret in it). */
  id: string;
  exchange: (signal?: AbortSignal) => Promise<{ username: string; password: string }>;
}

/** How to reach a remote registry, and as whom. */
export interface RegistryConnection {
  /** `https://host:port` or `http://host:port`: the scheme decides TLS. */
  url: string;
  /** Skip TLS certificate verification. */
  insecure?: boolean;
  /** An extra CA (PEM) to trust besides the system's. */
  caCertPem?: string;
  credential?: RegistryCredential;
  /** Default false: loopback, link-local and private targets are refused. */
  allowPrivateNetworks?: boolean;
  /** How long a connection may stay silent (connecting, waiting for an answer, mid-body); 60 s by default. */
  timeoutMs?: number;
  userAgent?: string;
}

export interface Exchange {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: URL;
  readonly headers: Record<string, string>;
  /** A buffer (replayable) or a stream (sent once; the caller reopens it to retry). */
  readonly body?: Buffer | Readable;
  readonly signal?: AbortSignal | undefined;
  /** Called with each piece of a streamed body as it is handed to the socket. */
  readonly onBodyBytes?: (bytes: number) => void;
}

/** An answer whose body the caller reads, or drops with `discard`. */
export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: IncomingMessage;
  /** How long reading a whole small body (manifest, token, error) may take, however it trickles. */
  readonly readTimeoutMs: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;

export const headerOf = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Drains an unwanted body so the kept-alive socket can carry the next request. */
export function discard(answer: Answer): void {
  answer.body.resume();
}

/** Reads a whole (small) body, refusing one larger than `limit` without reading it all. */
export async function readBody(answer: Answer, limit: number, what: string): Promise<Buffer> {
  const declared = Number(headerOf(answer.headers, 'content-length'));
  const tooLarge = () => new RegistryError(`${what}: the answer is larger than ${limit} bytes`, { reason: 'too-large' });
  if (Number.isFinite(declared) && declared > limit) {
    answer.body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const timer = setTimeout(
    () => answer.body.destroy(new RegistryError(`${what}: the answer took longer than ${answer.readTimeoutMs / 1000} s`, { reason: 'timeout' })),
    answer.readTimeoutMs,
  );
  try {
    for await (const chunk of answer.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        answer.body.destroy();
        throw tooLarge();
      }
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof RegistryError) throw err;
    throw new RegistryError(`${what}: the connection broke off (${(err as Error).message})`, { reason: 'unreachable' });
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks);
}

/**
 * The sockets to one registry: TLS as configured, kept alive across requests (a replication
 * session makes thousands), every new connection's address checked by the outbound guard
 * in the connection's own lookup, so a name cannot resolve to a public address for a check
 * and to a private one for the connection. Redirects (to blob storage) use the same rules.
 */
export class Transport {
  readonly base: URL;
  readonly origin: string;
  private readonly agents = new Map<string, http.Agent>();
  private readonly timeoutMs: number;

  constructor(readonly connection: RegistryConnection) {
    let base: URL;
    try {
      base = new URL(connection.url);
    } catch {
      throw new RegistryError(`${connection.url} is not a URL (expected https://host[:port] or http://host[:port])`, { reason: 'invalid' });
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:')
      throw new RegistryError(`${connection.url}: only http:// and https:// registries`, { reason: 'invalid' });
    if (base.username || base.password) throw new RegistryError(`${base.host}: give credentials apart, not in the URL`, { reason: 'invalid' });
    if (connection.caCertPem !== undefined) {
      try {
        new X509Certificate(connection.caCertPem);
      } catch {
        throw new RegistryError(`the CA certificate for ${base.host} is not a PEM certificate`, { reason: 'invalid' });
      }
    }
    this.base = new URL(base.origin);
    this.origin = base.origin;
    this.timeoutMs = connection.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  private agent(protocol: string): http.Agent {
    let agent = this.agents.get(protocol);
    if (!agent) {
      const shared = { keepAlive: true, maxSockets: 16 };
      agent =
        protocol === 'https:'
          ? new https.Agent({
              ...shared,
              rejectUnauthorized: this.connection.insecure !== true,
              ...(this.connection.caCertPem ? { ca: [...rootCertificates, this.connection.caCertPem] } : {}),
            })
          : new http.Agent(shared);
      this.agents.set(protocol, agent);
    }
    return agent;
  }

  /** Sends one request and answers once the status line and headers are in. */
  send(exchange: Exchange): Promise<Answer> {
    const { url } = exchange;
    const secure = url.protocol === 'https:';
    const origin = url.origin;
    const allowPrivate = this.connection.allowPrivateNetworks === true;
    if (!secure && url.protocol !== 'http:') return Promise.reject(new RegistryError(`${url.protocol} URLs are not followed`, { reason: 'invalid' }));
    if (!allowPrivate && namesPrivateHost(url)) return Promise.reject(privateTarget(connectHost(url)));
    const length = Buffer.isBuffer(exchange.body) ? { 'content-length': String(exchange.body.length) } : {};
    const headers = { 'user-agent': this.connection.userAgent ?? 'berth', ...exchange.headers, ...length };
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        if (exchange.signal?.aborted) return reject(exchange.signal.reason instanceof Error ? exchange.signal.reason : new Error('aborted'));
        if (err instanceof RegistryError) return reject(err);
        const cause = (err as { cause?: unknown }).cause;
        if (err instanceof PrivateTargetError || cause instanceof PrivateTargetError) return reject(privateTarget(url.hostname));
        reject(networkError(origin, err, secure));
      };
      const request = (secure ? https : http).request(url, {
        method: exchange.method,
        headers,
        agent: this.agent(url.protocol),
        lookup: guardedLookup(systemResolver, allowPrivate),
        timeout: this.timeoutMs,
        ...(exchange.signal ? { signal: exchange.signal } : {}),
      });
      let response: IncomingMessage | undefined;
      request.on('timeout', () => {
        const silent = new RegistryError(`${origin} was silent for ${this.timeoutMs / 1000} s`, { reason: 'timeout' });
        // Whoever reads the body learns why it stopped.
        response?.destroy(silent);
        request.destroy(silent);
      });
      request.on('error', fail);
      request.on('response', (answer) => {
        if (settled) return void answer.destroy();
        settled = true;
        response = answer;
        // Errors of the body (a cut connection, the idle timeout) reach whoever reads it.
        answer.on('error', () => undefined);
        resolve({ status: answer.statusCode ?? 0, headers: answer.headers, body: answer, readTimeoutMs: this.timeoutMs });
      });
      const body = exchange.body;
      if (body === undefined || Buffer.isBuffer(body)) return void request.end(body);
      const counted = exchange.onBodyBytes ? countBytes(body, exchange.onBodyBytes) : body;
      pipeline(counted, request, (err) => {
        if (err) fail(err);
      });
    });
  }

  /** Closes the kept-alive sockets. */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}

function privateTarget(host: string): RegistryError {
  return new RegistryError(new PrivateTargetError(host).message.replace('outbound.allowPrivateNetworks is on', 'private networks are allowed for this registry'), {
    reason: 'private-network',
  });
}

function countBytes(source: Readable, count: (bytes: number) => void): Readable {
  return Readable.from(
    (async function* () {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        count(chunk.length);
        yield chunk;
      }
    })(),
    { objectMode: false },
  );
}
