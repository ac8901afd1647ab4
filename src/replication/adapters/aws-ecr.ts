import { createHash } from 'node:crypto';
import { RegistryError, type ExchangedCredential } from '../../platform/registry-client/index.js';

/** Where tokens come from: the operator's `awsEcr` settings. */
export interface EcrSettings {
  apiEndpoint?: string | undefined;
  region?: string | undefined;
}

/** `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]`, ECR's registry host, names its region. */
const REGISTRY_HOST = /^\d{12}\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d{1,2})\.amazonaws\.com(?:\.cn)?$/;
/** A token is renewed this long before ECR says it expires. */
const RENEW_MARGIN_MS = 15 * 60_000;
/** When ECR gives no expiry, a token is kept this long (its tokens last 12 hours). */
const DEFAULT_LIFETIME_MS = 60 * 60_000;
const MAX_CACHED = 256;
const API_TIMEOUT_MS = 20_000;

/** The region of an aws-ecr endpoint: from its URL, else the configured one. */
export function ecrRegion(url: string, settings: EcrSettings): string | undefined {
  let host = '';
  try {
    host = new URL(url).hostname;
  } catch {
    return settings.region;
  }
  return REGISTRY_HOST.exec(host)?.[1] ?? settings.region;
}

interface Held {
  pair: { username: string; password: string };
  renewAt: number;
}

/** The tokens fetched so far, by endpoint and key: one per app, shared by every client of the same key. */
export class EcrTokens {
  private readonly held = new Map<string, Promise<Held>>();

  async pair(id: string, now: () => number, fetch: () => Promise<Held>): Promise<Held['pair']> {
    const cached = this.held.get(id);
    if (cached) {
      const current = await cached.catch(() => undefined);
      if (current && current.renewAt > now()) return current.pair;
      if (this.held.get(id) === cached) this.held.delete(id);
    }
    if (this.held.size >= MAX_CACHED) this.held.delete(this.held.keys().next().value ?? '');
    const fetching = fetch();
    this.held.set(id, fetching);
    fetching.catch(() => {
      if (this.held.get(id) === fetching) this.held.delete(id);
    });
    return (await fetching).pair;
  }
}

async function fetchToken(region: string, accessKeyId: string, secretAccessKey: string, settings: EcrSettings, now: number, signal?: AbortSignal): Promise<Held> {
  // Loaded on first use: the AWS SDK is a large module graph most servers never need.
  const { ECRClient, GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr');
  const client = new ECRClient({
    region,
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 3,
    ...(settings.apiEndpoint ? { endpoint: settings.apiEndpoint } : {}),
  });
  try {
    const timeout = AbortSignal.timeout(API_TIMEOUT_MS);
    const answer = await client.send(new GetAuthorizationTokenCommand({}), { abortSignal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    const data = answer.authorizationData?.[0];
    const decoded = Buffer.from(data?.authorizationToken ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new RegistryError('AWS ECR gave no usable authorization token', { reason: 'unexpected' });
    const expires = data?.expiresAt?.getTime() ?? now + DEFAULT_LIFETIME_MS;
    return { pair: { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }, renewAt: Math.max(now, expires - RENEW_MARGIN_MS) };
  } catch (error) {
    if (error instanceof RegistryError) throw error;
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    const denied = /UnrecognizedClient|InvalidSignature|AccessDenied|ExpiredToken|InvalidClientTokenId|SignatureDoesNotMatch/.test(name);
    throw new RegistryError(
      `AWS ECR refused to issue a registry token (${name}): ${message}`,
      denied ? { status: 401, reason: 'unauthorized' } : { reason: 'unreachable' },
    );
  } finally {
    client.destroy();
  }
}

/**
 * The credential of an aws-ecr endpoint, as Harbor's ECR adapter makes it: the endpoint's AWS
 * access key and secret sign (SigV4) a GetAuthorizationToken call, whose answer is the user name
 * and password the registry takes, good for 12 hours. Tokens are shared by every client of the
 * same key and renewed a quarter of an hour before they expire.
 */
export function ecrCredential(
  url: string,
  accessKeyId: string,
  secretAccessKey: string,
  settings: EcrSettings,
  tokens: EcrTokens,
  now: () => number,
): ExchangedCredential {
  const region = ecrRegion(url, settings);
  const id = createHash('sha256')
    .update(`${url}\n${accessKeyId}\n${secretAccessKey}\n${settings.apiEndpoint ?? ''}`)
    .digest('hex');
  return {
    type: 'exchanged',
    id,
    async exchange(signal) {
      if (!region)
        throw new RegistryError(`the aws-ecr endpoint ${url} names no AWS region: use its <account>.dkr.ecr.<region>.amazonaws.com URL, or set awsEcr.region`, {
          reason: 'invalid',
        });
      return tokens.pair(id, now, () => fetchToken(region, accessKeyId, secretAccessKey, settings, now(), signal));
    },
  };
}
