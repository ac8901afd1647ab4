import type { CustomFetch } from 'openid-client';
import { openOutbound, readOutboundBody, type OutboundRequest } from '../../platform/http/index.js';

/** A provider's discovery document, keys or token answer is small; anything larger is refused. */
const MAX_ANSWER_BYTES = 1024 * 1024;
const TIMEOUT_MS = 10_000;

export interface OutboundRules {
  allowPrivateNetworks: boolean;
  skipCertVerify: boolean;
}

function bodyOf(body: unknown): string | Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new Error('unsupported request body for the OIDC provider');
}

/**
 * openid-client's requests to the provider, through Berth's one outbound client: private and
 * loopback addresses refused unless allowed, no redirects, time and size bounded.
 */
export function outboundFetch(rules: OutboundRules): CustomFetch {
  return async (url, options) => {
    const method = options.method.toUpperCase() as OutboundRequest['method'];
    const body = bodyOf(options.body);
    const stream = await openOutbound({
      url,
      method,
      headers: options.headers,
      ...(body !== undefined ? { body } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      timeoutMs: TIMEOUT_MS,
      allowPrivateNetworks: rules.allowPrivateNetworks,
      skipCertVerify: rules.skipCertVerify,
    });
    const bytes = await readOutboundBody(stream, MAX_ANSWER_BYTES);
    const headers = new Headers();
    for (const [name, value] of Object.entries(stream.headers)) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
    }
    const empty = stream.status === 204 || stream.status === 304;
    return new Response(empty ? null : new Uint8Array(bytes), { status: stream.status, headers });
  };
}
