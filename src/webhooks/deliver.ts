import { sendOutbound } from '../platform/http/index.js';
import type { WebhookTarget } from './schema.js';

/**
 * POSTs a payload to a target through the outbound client, which refuses private networks
 * unless allowed and reads only the answer's status: a receiver's body is neither kept nor logged.
 */
export async function post(target: WebhookTarget, body: string, contentType: string, signal: AbortSignal, allowPrivateNetworks: boolean): Promise<number> {
  const headers: Record<string, string | number> = {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'user-agent': 'berth-webhook',
  };
  if (target.auth_header) headers.authorization = target.auth_header;
  const { status } = await sendOutbound({
    url: target.address,
    method: 'POST',
    headers,
    body,
    signal,
    allowPrivateNetworks,
    skipCertVerify: target.skip_cert_verify,
  });
  return status;
}
