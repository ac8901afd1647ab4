import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type KoaContext } from 'oidc-provider';

/** A person at the test provider: their login is their subject. */
export interface ProviderAccount {
  name?: string;
  email?: string;
  /** The `groups` claim. */
  groups: string[];
  preferred_username?: string;
  /** A disabled account is not found: the provider refuses to refresh its tokens. */
  disabled?: boolean;
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, ProviderAccount>;
  close(): Promise<void>;
}

export interface TestOidcProviderOptions {
  /** The redirect URIs the Berth client registered (`<berth>/c/oidc/callback`). */
  redirectUris: string[];
  /** Access and ID token lifetime in seconds (the provider's default is an hour). */
  accessTokenTtlSeconds?: number;
}

/**
 * A real OpenID provider (`oidc-provider`) on a random loopback port: one confidential client,
 * PKCE required, accounts with a groups claim, its own login page (any password), no consent
 * step, refresh tokens always issued.
 */
export async function startOidcProvider(options: TestOidcProviderOptions): Promise<TestOidcProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'berth';
  const clientSecret = 'berth-client-secret-for-tests';
  const accounts = new Map<string, ProviderAccount>();
  const tokenTtl = options.accessTokenTtlSeconds ?? 3600;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    pkce: { required: () => true },
    async findAccount(_ctx, id) {
      const account = accounts.get(id);
      if (!account || account.disabled) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          groups: account.groups,
          ...(account.name !== undefined ? { name: account.name } : {}),
          ...(account.email !== undefined ? { email: account.email, email_verified: true } : {}),
          ...(account.preferred_username !== undefined ? { preferred_username: account.preferred_username } : {}),
        }),
      };
    },
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'], groups: ['groups'] },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'groups'],
    issueRefreshToken: () => true,
    // The claims in the ID token itself, as providers configured for Harbor put them.
    conformIdTokenClaims: false,
    // No consent step: the test's client is trusted for what it asks.
    async loadExistingGrant(ctx: KoaContext) {
      const { client, session, result, provider: self } = ctx.oidc;
      const accountId = session?.accountId;
      if (!client || !accountId) return undefined;
      const grantId = result?.consent?.grantId ?? session?.grantIdFor(client.clientId);
      if (grantId) {
        const found = await self.Grant.find(grantId);
        if (found) return found;
      }
      const grant = new self.Grant({ clientId: client.clientId, accountId });
      grant.addOIDCScope('openid offline_access profile email groups');
      grant.addOIDCClaims(['sub', 'name', 'preferred_username', 'email', 'email_verified', 'groups']);
      await grant.save();
      return grant;
    },
    ttl: { AccessToken: tokenTtl, IdToken: tokenTtl, RefreshToken: 24 * 3600, Grant: 24 * 3600, Session: 24 * 3600, Interaction: 600 },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['berth-test-provider-cookie-key'] },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Cookies per host, as a browser keeps them (paths ignored: sending more than needed is harmless here). */
export class CookieJar {
  private readonly cookies = new Map<string, Map<string, string>>();

  store(url: string, response: Response): void {
    const host = new URL(url).host;
    const jar = this.cookies.get(host) ?? new Map<string, string>();
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0/i.test(line) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    this.cookies.set(host, jar);
  }

  header(url: string): string {
    const jar = this.cookies.get(new URL(url).host);
    return jar ? [...jar].map(([name, value]) => `${name}=${value}`).join('; ') : '';
  }

  get(url: string, name: string): string | undefined {
    return this.cookies.get(new URL(url).host)?.get(name);
  }
}

/** One request without following redirects, cookies from and into the jar. */
export async function jarFetch(jar: CookieJar, url: string, init: { method?: string; body?: string; contentType?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  const cookie = jar.header(url);
  if (cookie) headers.cookie = cookie;
  if (init.contentType) headers['content-type'] = init.contentType;
  const response = await fetch(url, { method: init.method ?? 'GET', headers, redirect: 'manual', ...(init.body !== undefined ? { body: init.body } : {}) });
  jar.store(url, response);
  return response;
}

/**
 * What a browser does from Berth's `/c/oidc/login` to its callback: follows the redirects, signs
 * in at the provider's login page as `login`, and stops at Berth's answer to the callback
 * (a redirect into the portal, to onboarding, or back to the sign-in page with an error).
 */
export async function signInThroughProvider(berthUrl: string, login: string, jar = new CookieJar()): Promise<{ jar: CookieJar; callback: Response }> {
  let url = `${berthUrl}/c/oidc/login`;
  for (let hop = 0; hop < 12; hop++) {
    const response = await jarFetch(jar, url);
    const location = response.headers.get('location');
    if (url.startsWith(`${berthUrl}/c/oidc/callback`)) return { jar, callback: response };
    if (!location) {
      const page = await response.text();
      if (response.status === 200 && page.includes('name="login"')) {
        // The provider's login page: post the form as a person would.
        const posted = await jarFetch(jar, url, {
          method: 'POST',
          contentType: 'application/x-www-form-urlencoded',
          body: new URLSearchParams({ prompt: 'login', login, password: 'any' }).toString(),
        });
        const next = posted.headers.get('location');
        if (!next) throw new Error(`the provider's login form answered ${posted.status}: ${await posted.text()}`);
        url = new URL(next, url).href;
        continue;
      }
      throw new Error(`unexpected ${response.status} at ${url}: ${page.slice(0, 500)}`);
    }
    await response.body?.cancel();
    url = new URL(location, url).href;
  }
  throw new Error('too many redirects between Berth and the provider');
}
