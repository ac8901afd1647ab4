import { openOutbound, PrivateTargetError, readOutboundBody, type OutboundStream } from '../platform/http/index.js';

/**
 * How to reach a registry: the shape of the shared registry client's options, so this file is
 * the one place that changes when that client takes over.
 */
export interface RegistryConnection {
  url: string;
  insecure?: boolean;
  caCertPem?: string;
  credential?: { type: 'basic'; username: string; password: string } | { type: 'bearer'; token: string };
  allowPrivateNetworks?: boolean;
  timeoutMs?: number;
  userAgent?: string;
}

/** The registry did not answer as a working one: `status` is its HTTP status when it answered. */
export class RegistryPingError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** A token answer is a small JSON object. */
const MAX_TOKEN_BODY = 64 * 1024;

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** `Bearer realm="…",service="…"` → its scheme and parameters (quoted values, no nesting). */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*([A-Za-z]+)\s*(.*)$/.exec(header.slice(0, 4096));
  if (!match?.[1]) return undefined;
  const params: Record<string, string> = {};
  for (const part of (match[2] ?? '').matchAll(/([A-Za-z_]+)="([^"]*)"/g)) {
    if (part[1] && part[2] !== undefined) params[part[1].toLowerCase()] = part[2];
  }
  return { scheme: match[1].toLowerCase(), params };
}

function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/**
 * `GET /v2/` as a registry client opens a session: a 200 is a working registry; a 401 is
 * answered with the credential (Basic, or a token from the challenge's realm) and must then
 * give a 200. Anything else, or no answer, throws RegistryPingError.
 */
export async function pingRegistry(connection: RegistryConnection): Promise<void> {
  const base = connection.url.replace(/\/+$/, '');
  const first = await get(connection, `${base}/v2/`, authorizationOf(connection));
  if (first.status === 200) return;
  if (first.status !== 401) throw new RegistryPingError(`${base}/v2/ answered ${first.status}; not a registry`, first.status);
  const challenge = parseChallenge(first.challenge);
  const credential = connection.credential;
  if (challenge?.scheme === 'basic') {
    if (credential?.type !== 'basic') throw new RegistryPingError('the registry asks for a user name and password', 401, 'UNAUTHORIZED');
    throw new RegistryPingError('the registry refused the user name and password', 401, 'UNAUTHORIZED');
  }
  if (challenge?.scheme !== 'bearer' || !challenge.params.realm)
    throw new RegistryPingError('the registry answered 401 without a usable challenge', 401, 'UNAUTHORIZED');
  const token = await fetchToken(connection, challenge.params.realm, challenge.params.service);
  const second = await get(connection, `${base}/v2/`, `Bearer ${token}`);
  if (second.status === 200) return;
  throw new RegistryPingError(
    second.status === 401 ? 'the registry refused the credential' : `${base}/v2/ answered ${second.status}`,
    second.status,
    second.status === 401 ? 'UNAUTHORIZED' : undefined,
  );
}

function authorizationOf(connection: RegistryConnection): string | undefined {
  const credential = connection.credential;
  if (!credential) return undefined;
  return credential.type === 'basic' ? basicHeader(credential.username, credential.password) : `Bearer ${credential.token}`;
}

async function fetchToken(connection: RegistryConnection, realm: string, service: string | undefined): Promise<string> {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new RegistryPingError('the registry named a token realm that is not a URL', 401, 'UNAUTHORIZED');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new RegistryPingError('the registry named a token realm that is not http(s)', 401, 'UNAUTHORIZED');
  if (service) url.searchParams.set('service', service);
  const credential = connection.credential;
  if (credential?.type === 'basic') url.searchParams.set('account', credential.username);
  const answer = await get(connection, url.toString(), authorizationOf(connection), true);
  if (answer.status !== 200) {
    throw new RegistryPingError(
      answer.status === 401 || answer.status === 403 ? 'the token service refused the credential' : `the token service answered ${answer.status}`,
      answer.status,
      'UNAUTHORIZED',
    );
  }
  let token: unknown;
  try {
    const body = JSON.parse(answer.body) as { token?: unknown; access_token?: unknown };
    token = body.token ?? body.access_token;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || token === '') throw new RegistryPingError('the token service answered no token', answer.status, 'UNAUTHORIZED');
  return token;
}

async function get(
  connection: RegistryConnection,
  url: string,
  authorization: string | undefined,
  readBody = false,
): Promise<{ status: number; challenge: string | undefined; body: string }> {
  let stream: OutboundStream;
  try {
    stream = await openOutbound({
      url,
      method: 'GET',
      headers: {
        accept: 'application/json',
        'user-agent': connection.userAgent ?? 'berth',
        ...(authorization ? { authorization } : {}),
      },
      timeoutMs: connection.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      allowPrivateNetworks: connection.allowPrivateNetworks ?? false,
      ...(connection.insecure ? { skipCertVerify: true } : {}),
      ...(connection.caCertPem ? { caCertPem: connection.caCertPem } : {}),
    });
  } catch (err) {
    if (err instanceof PrivateTargetError) throw new RegistryPingError(err.message, undefined, 'PRIVATE_TARGET');
    throw new RegistryPingError(`${new URL(url).host} could not be reached: ${(err as Error).message}`, undefined, 'UNREACHABLE');
  }
  const header = stream.headers['www-authenticate'];
  const challenge = Array.isArray(header) ? header[0] : header;
  if (!readBody) {
    stream.body.destroy();
    return { status: stream.status, challenge, body: '' };
  }
  try {
    return { status: stream.status, challenge, body: (await readOutboundBody(stream, MAX_TOKEN_BODY)).toString('utf8') };
  } catch (err) {
    throw new RegistryPingError(`the answer of ${new URL(url).host} could not be read: ${(err as Error).message}`, stream.status);
  }
}
