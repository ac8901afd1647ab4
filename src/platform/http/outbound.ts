import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { connectHost, isPrivateAddress, namesPrivateHost } from './private-address.js';

/** The configuration key that lets outbound requests reach private networks. */
export const ALLOW_PRIVATE_NETWORKS_KEY = 'outbound.allowPrivateNetworks';

const DEFAULT_TIMEOUT_MS = 10_000;

/** Resolves a host name to every address a connection might use. */
export type Resolver = (hostname: string, family: number | undefined) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname, family) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, family: family ?? 0 }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

/** An outbound request refused because its target is, or resolves to, a private address. */
export class PrivateTargetError extends Error {
  constructor(readonly host: string) {
    super(`${host} resolves to a loopback, link-local or private address; requests to private networks are refused unless ${ALLOW_PRIVATE_NETWORKS_KEY} is on`);
  }
}

export interface OutboundRequest {
  url: string;
  method: 'GET' | 'POST' | 'PUT' | 'HEAD' | 'DELETE';
  headers: Record<string, string | number>;
  body?: string | Buffer;
  /** Aborts the request (the task's cancellation, for instance). */
  signal?: AbortSignal;
  /** The whole exchange, from connecting to the status line. */
  timeoutMs?: number;
  /** Private, loopback and link-local targets: only system-admin-made targets (registry endpoints) or an opted-in instance may reach them. */
  allowPrivateNetworks: boolean;
  skipCertVerify?: boolean;
  /** PEM certificates trusted for this request instead of the system's CAs (a registry endpoint's own CA). */
  caCertPem?: string;
  /** Name resolution; the system resolver unless given. */
  resolver?: Resolver;
}

export interface OutboundResponse {
  /** The status code; the body is never read, so a receiver cannot make Berth store or show what it answers. */
  status: number;
}

/**
 * The lookup Node uses for the connection: the addresses it answers are the ones connected to,
 * so checking them here (and not in a separate resolution beforehand) leaves no window for a
 * name to resolve once to a public address and again to a private one.
 */
export function guardedLookup(resolver: Resolver, allowPrivateNetworks: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolver(hostname, options.family === 4 || options.family === 6 ? options.family : undefined).then(
      (addresses) => {
        const first = addresses[0];
        if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
        if (!allowPrivateNetworks && addresses.some((a) => isPrivateAddress(a.address))) return callback(new PrivateTargetError(hostname), '', 0);
        if (options.all) return callback(null, addresses);
        callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

/**
 * Every outbound HTTP request of Berth goes through here. Targets on private networks are
 * refused unless allowed: IP literals (which Node connects to without a lookup) before
 * connecting, host names in the connection's own lookup. Redirects are not followed, no
 * connection is reused (a pooled socket would skip the lookup), and only the status line is
 * read: the body is discarded unread.
 */
export async function sendOutbound(request: OutboundRequest): Promise<OutboundResponse> {
  const { response, outgoing } = await startOutbound(request);
  outgoing.destroy();
  return { status: response.statusCode ?? 0 };
}

function startOutbound(request: OutboundRequest): Promise<{ response: http.IncomingMessage; outgoing: http.ClientRequest }> {
  const url = new URL(request.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new Error(`${url.protocol} URLs are not supported`));
  if (!request.allowPrivateNetworks && namesPrivateHost(url)) return Promise.reject(new PrivateTargetError(connectHost(url)));
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, deadline]) : deadline;
  const secure = url.protocol === 'https:';
  const agent = secure
    ? new https.Agent({ keepAlive: false, rejectUnauthorized: !request.skipCertVerify, ...(request.caCertPem ? { ca: request.caCertPem } : {}) })
    : new http.Agent({ keepAlive: false });
  const options: https.RequestOptions = {
    method: request.method,
    headers: request.headers,
    agent,
    signal,
    lookup: guardedLookup(request.resolver ?? systemResolver, request.allowPrivateNetworks),
  };
  return new Promise((resolve, reject) => {
    const outgoing = (secure ? https : http).request(url, options, (response) => resolve({ response, outgoing }));
    outgoing.on('error', (err) => {
      const cause = (err as { cause?: unknown }).cause;
      if (cause instanceof PrivateTargetError) reject(cause);
      else if (deadline.aborted) reject(new Error(`no answer within ${timeoutMs / 1000} s`));
      else reject(err);
    });
    outgoing.end(request.body);
  });
}

/** An answer whose headers were read and whose body the caller reads (and must consume or destroy). */
export interface OutboundStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The Content-Length the server announced, if any. */
  length?: number;
  /** Ends with an error when `timeoutMs` passes before the last byte or the request's signal aborts. */
  body: http.IncomingMessage;
}

/** A download (vulnerability data) is an answer like any other. */
export type OutboundDownload = OutboundStream;

/**
 * Like `sendOutbound`, with the same refusals and no redirects followed, but hands over the
 * answer's headers and body stream, for clients that must read what a peer answers (scanner
 * adapters, registries, vulnerability data downloads); the caller bounds what it reads.
 * `timeoutMs` bounds the whole exchange, body included.
 */
export async function openOutbound(request: OutboundRequest): Promise<OutboundStream> {
  const { response } = await startOutbound(request);
  const length = Number(response.headers['content-length']);
  return { status: response.statusCode ?? 0, headers: response.headers, ...(Number.isSafeInteger(length) && length >= 0 ? { length } : {}), body: response };
}

/** An answer's body exceeded what the caller reads of it. */
export class OutboundTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the answer is larger than the ${limit} bytes read of it`);
  }
}

/** Reads a whole answer body of at most `maxBytes`, destroying the stream beyond that. */
export async function readOutboundBody(stream: OutboundStream, maxBytes: number): Promise<Buffer> {
  const declared = Number(stream.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    stream.body.destroy();
    throw new OutboundTooLargeError(maxBytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      stream.body.destroy();
      throw new OutboundTooLargeError(maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
