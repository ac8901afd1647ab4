import { createHash } from 'node:crypto';
import type * as client from 'openid-client';
import { PrivateTargetError } from '../../platform/http/index.js';
import type { RuntimeSettings, Settings } from '../../platform/settings/index.js';
import { outboundFetch } from './outbound-fetch.js';

/** The `oidc_*` settings a sign-in reads. */
export type OidcSettings = Pick<
  RuntimeSettings,
  | 'auth_mode'
  | 'oidc_name'
  | 'oidc_endpoint'
  | 'oidc_client_id'
  | 'oidc_groups_claim'
  | 'oidc_admin_group'
  | 'oidc_group_filter'
  | 'oidc_scope'
  | 'oidc_user_claim'
  | 'oidc_verify_cert'
  | 'oidc_auto_onboard'
  | 'oidc_extra_redirect_parms'
  | 'oidc_logout'
> & { oidc_client_secret: string };

const OIDC_KEYS = [
  'auth_mode',
  'oidc_name',
  'oidc_endpoint',
  'oidc_client_id',
  'oidc_groups_claim',
  'oidc_admin_group',
  'oidc_group_filter',
  'oidc_scope',
  'oidc_user_claim',
  'oidc_verify_cert',
  'oidc_auto_onboard',
  'oidc_extra_redirect_parms',
  'oidc_logout',
] as const;

export async function readOidcSettings(settings: Settings): Promise<OidcSettings> {
  return { ...(await settings.pick(OIDC_KEYS)), oidc_client_secret: await settings.secret('oidc_client_secret') };
}

/** A provider that could not be reached or answered wrongly: the administrator's to fix, a 4xx for the caller. */
export class ProviderError extends Error {}

/** Discovery documents are re-read this often, so a provider's new keys or endpoints are picked up. */
const DISCOVERY_CACHE_MS = 5 * 60_000;

/** openid-client once a sign-in, session check or ping has loaded it: the server does not load it at start, as most installations never use OIDC. */
let openid: typeof client | undefined;

export async function loadOpenidClient(): Promise<typeof client> {
  openid ??= await import('openid-client');
  return openid;
}

/** Why a provider call failed, for people: the cause openid-client wraps, without a stack. */
export function describeFailure(error: unknown): string {
  if (error instanceof PrivateTargetError) return error.message;
  // Until openid-client is loaded no error can be one of its own.
  if (openid && error instanceof openid.ResponseBodyError) return `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof PrivateTargetError) return cause.message;
    if (cause instanceof Error && cause.message && !error.message.includes(cause.message)) return `${error.message} (${cause.message})`;
    return error.message;
  }
  return String(error);
}

/**
 * The provider as openid-client knows it, discovered from `oidc_endpoint` (the issuer) through
 * Berth's outbound rules. Plain-HTTP endpoints are accepted: the administrator chose the URL.
 */
export class OidcProviderClient {
  private cached: { key: string; at: number; configuration: client.Configuration } | undefined;

  constructor(private readonly allowPrivateNetworks: boolean) {}

  async configuration(settings: OidcSettings): Promise<client.Configuration> {
    if (settings.oidc_endpoint.trim() === '' || settings.oidc_client_id === '') {
      throw new ProviderError('OIDC is not configured: set oidc_endpoint and oidc_client_id');
    }
    const key = createHash('sha256')
      .update(JSON.stringify([settings.oidc_endpoint, settings.oidc_client_id, settings.oidc_client_secret, settings.oidc_verify_cert]))
      .digest('hex');
    const now = performance.now();
    if (this.cached && this.cached.key === key && now - this.cached.at < DISCOVERY_CACHE_MS) return this.cached.configuration;
    const configuration = await this.discover(settings.oidc_endpoint, settings.oidc_verify_cert, settings.oidc_client_id, settings.oidc_client_secret);
    this.cached = { key, at: now, configuration };
    return configuration;
  }

  /** Reads the discovery document at `<endpoint>/.well-known/openid-configuration`; `POST /system/oidc/ping` is this. */
  async discover(endpoint: string, verifyCert: boolean, clientId = 'berth-ping', clientSecret = ''): Promise<client.Configuration> {
    let url: URL;
    try {
      url = new URL(endpoint.trim());
    } catch {
      throw new ProviderError(`the OIDC endpoint "${endpoint}" is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ProviderError('the OIDC endpoint must be an http(s) URL');
    const fetch = outboundFetch({ allowPrivateNetworks: this.allowPrivateNetworks, skipCertVerify: !verifyCert });
    const openidClient = await loadOpenidClient();
    const insecure = url.protocol === 'http:' ? [openidClient.allowInsecureRequests] : [];
    try {
      const discovered = await openidClient.discovery(url, clientId, clientSecret || undefined, undefined, { [openidClient.customFetch]: fetch, execute: insecure });
      const metadata = discovered.serverMetadata();
      // Secret in the Authorization header where the provider takes it (Harbor's oauth2 library tries it first), else in the body.
      const methods = metadata.token_endpoint_auth_methods_supported;
      const authentication =
        clientSecret === ''
          ? openidClient.None()
          : !methods || methods.includes('client_secret_basic')
            ? openidClient.ClientSecretBasic(clientSecret)
            : openidClient.ClientSecretPost(clientSecret);
      const configuration = new openidClient.Configuration(metadata, clientId, clientSecret || undefined, authentication);
      configuration[openidClient.customFetch] = fetch;
      for (const option of insecure) option(configuration);
      return configuration;
    } catch (error) {
      throw new ProviderError(`the OIDC provider at ${url.origin}${url.pathname} could not be discovered: ${describeFailure(error)}`);
    }
  }

  /** A settings change (endpoint, client) must not wait out the cache. */
  forget(): void {
    this.cached = undefined;
  }
}
