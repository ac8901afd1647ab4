import http from 'node:http';
import https from 'node:https';
import type { WebhookTarget } from './schema.js';

const TIMEOUT_MS = 10_000;
/** A receiver's answer is logged, not kept: only its start is read. */
const MAX_LOGGED_BODY = 512;

export interface DeliveryResult {
  status: number;
  body: string;
}

/**
 * POSTs a payload to a target. node:https rather than fetch, because skipping certificate
 * verification for one target needs an agent of its own, which fetch only takes from undici.
 */
export function post(target: WebhookTarget, body: string, contentType: string, signal: AbortSignal): Promise<DeliveryResult> {
  const url = new URL(target.address);
  const secure = url.protocol === 'https:';
  const headers: Record<string, string | number> = {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'user-agent': 'berth-webhook',
  };
  if (target.auth_header) headers.authorization = target.auth_header;
  const options: https.RequestOptions = { method: 'POST', headers, signal, timeout: TIMEOUT_MS };
  if (secure && target.skip_cert_verify) options.agent = new https.Agent({ rejectUnauthorized: false });
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request(url, options, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (text.length < MAX_LOGGED_BODY) text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text.slice(0, MAX_LOGGED_BODY) }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    request.on('error', reject);
    request.end(body);
  });
}
