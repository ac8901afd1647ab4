import { discard, readBody, type RegistryCredential, type Transport } from './connection.js';
import { answeredError, RegistryError } from './errors.js';

/** A `WWW-Authenticate` challenge: Basic, or Bearer with the token realm and what it asks for. */
export interface Challenge {
  readonly scheme: 'basic' | 'bearer';
  readonly params: Readonly<Record<string, string>>;
}

const MAX_TOKEN_ANSWER_BYTES = 1024 * 1024;
const MAX_CACHED_TOKENS = 1000;
/** Tokens are renewed this long before they expire (at most a tenth of their life). */
const RENEW_MARGIN_MS = 30_000;
/** The token spec's default lifetime when the answer names none, and the least it allows. */
const MIN_TOKEN_SECONDS = 60;

/**
 * Parses a `WWW-Authenticate` value (which Node joins with `, ` when a registry sends several),
 * preferring a Bearer challenge. Linear: one pass of a regular expression without nesting.
 */
export function parseChallenge(value: string | undefined): Challenge | undefined {
  if (!value) return undefined;
  const found: Challenge[] = [];
  let current: { scheme: 'basic' | 'bearer'; params: Record<string, string> } | undefined;
  for (const match of value.matchAll(/([A-Za-z][A-Za-z0-9_-]*)(?:\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*)))?/g)) {
    const [, name = '', quoted, bare] = match;
    if (quoted === undefined && bare === undefined) {
      const scheme = name.toLowerCase();
      current = scheme === 'basic' || scheme === 'bearer' ? { scheme, params: {} } : undefined;
      if (current) found.push(current);
      continue;
    }
    if (current) current.params[name.toLowerCase()] = (quoted ?? bare ?? '').replace(/\\(.)/g, '$1');
  }
  return found.find((c) => c.scheme === 'bearer') ?? found[0];
}

export interface SentAuthorization {
  readonly header?: string;
  readonly fresh: boolean;
}

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
  /** Which fetch of this authenticator brought it (tells a token fetched for a request from one cached before it). */
  readonly serial: number;
}

/**
 * Signs requests in as docker does. The first 401 teaches the registry's challenge; from then on
 * every request carries Basic credentials, or a Bearer token for exactly the scopes it needs,
 * fetched from the realm once and reused until shortly before it expires (one replication or
 * proxy session must not log in on every request). Concurrent requests for the same scopes share
 * one token fetch.
 */
export class Authenticator {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, Promise<CachedToken>>();
  private fetched = 0;

  constructor(
    private readonly transport: Transport,
    private readonly credential: RegistryCredential | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  get hasCredentials(): boolean {
    return this.credential !== undefined;
  }

  get username(): string | undefined {
    return this.credential?.type === 'basic' ? this.credential.username : undefined;
  }

  /**
   * The Authorization header for a request needing `scopes` (none before any challenge), and
   * whether it is fresh: made for this request rather than taken from the cache.
   */
  async authorization(scopes: readonly string[], signal?: AbortSignal): Promise<SentAuthorization> {
    const credential = this.credential;
    if (credential?.type === 'bearer') return { header: `Bearer ${credential.token}`, fresh: true };
    if (!this.challenge) return { fresh: true };
    if (this.challenge.scheme === 'basic') {
      const header = await this.basic(signal);
      return header ? { header, fresh: true } : { fresh: true };
    }
    const fetchedBefore = this.fetched;
    const token = await this.token(this.challenge, scopes, signal);
    return { header: `Bearer ${token.token}`, fresh: token.serial > fetchedBefore };
  }

  /**
   * A 401 answered a request sent with `sent`: learn the challenge, forget a token that was
   * refused, and say whether signing in again could change the answer: yes when nothing was
   * sent yet, or when the token refused came from the cache (revoked, expired early); no when
   * fresh credentials were refused.
   */
  learn(challengeHeader: string | undefined, scopes: readonly string[], sent: SentAuthorization): boolean {
    const challenge = parseChallenge(challengeHeader);
    if (!challenge || this.credential?.type === 'bearer') return false;
    if (challenge.scheme === 'bearer' && !challenge.params.realm) return false;
    this.challenge = challenge;
    if (challenge.scheme === 'bearer') this.tokens.delete(this.cacheKey(challenge, scopes));
    if (!sent.header) return challenge.scheme === 'bearer' || this.credential !== undefined;
    return !sent.fresh;
  }

  /** The user name and password to sign in with, exchanged for the current ones where the credential says so. */
  private async password(signal?: AbortSignal): Promise<{ username: string; password: string } | undefined> {
    const credential = this.credential;
    if (credential?.type === 'basic') return credential;
    if (credential?.type === 'exchanged') return credential.exchange(signal);
    return undefined;
  }

  private async basic(signal?: AbortSignal): Promise<string | undefined> {
    const pair = await this.password(signal);
    return pair ? `Basic ${Buffer.from(`${pair.username}:${pair.password}`).toString('base64')}` : undefined;
  }

  private cacheKey(challenge: Challenge, scopes: readonly string[]): string {
    return [challenge.params.realm, challenge.params.service ?? '', ...[...scopes].sort()].join('\n');
  }

  private async token(challenge: Challenge, scopes: readonly string[], signal?: AbortSignal): Promise<CachedToken> {
    const key = this.cacheKey(challenge, scopes);
    const cached = this.tokens.get(key);
    if (cached) {
      const token = await cached.catch(() => undefined);
      if (token && token.expiresAt > this.now()) return token;
      if (this.tokens.get(key) === cached) this.tokens.delete(key);
    }
    if (this.tokens.size >= MAX_CACHED_TOKENS) this.tokens.delete(this.tokens.keys().next().value ?? '');
    const fetching = this.fetchToken(challenge, scopes, signal);
    this.tokens.set(key, fetching);
    fetching.catch(() => {
      if (this.tokens.get(key) === fetching) this.tokens.delete(key);
    });
    return fetching;
  }

  private async fetchToken(challenge: Challenge, scopes: readonly string[], signal?: AbortSignal): Promise<CachedToken> {
    const realm = new URL(challenge.params.realm ?? '', this.transport.base);
    const service = challenge.params.service;
    if (service) realm.searchParams.set('service', service);
    for (const scope of scopes) realm.searchParams.append('scope', scope);
    const credential = await this.password(signal);
    const basic = credential ? `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}` : undefined;
    const started = this.now();
    let answer = await this.transport.send({ method: 'GET', url: realm, headers: basic ? { authorization: basic } : {}, signal });
    if ((answer.status === 404 || answer.status === 405) && credential) {
      // An OAuth2-style token endpoint that only takes the password grant by POST.
      discard(answer);
      const form = new URLSearchParams({ grant_type: 'password', username: credential.username, password: credential.password, client_id: 'berth' });
      if (service) form.set('service', service);
      if (scopes.length > 0) form.set('scope', scopes.join(' '));
      const url = new URL(realm.origin + realm.pathname);
      answer = await this.transport.send({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: Buffer.from(form.toString()),
        signal,
      });
    }
    const where = `${realm.origin}${realm.pathname}`;
    const body = await readBody(answer, MAX_TOKEN_ANSWER_BYTES, `the token service ${where}`);
    if (answer.status === 401) throw this.refused();
    if (answer.status !== 200) throw answeredError('signing in', `the token service ${where}`, answer.status, body);
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      throw new RegistryError(`the token service ${where} answered something other than JSON`, { reason: 'not-a-registry' });
    }
    const token = typeof parsed.token === 'string' && parsed.token ? parsed.token : parsed.access_token;
    if (typeof token !== 'string' || !token) throw new RegistryError(`the token service ${where} gave no token`, { reason: 'unexpected' });
    const seconds = typeof parsed.expires_in === 'number' && parsed.expires_in > MIN_TOKEN_SECONDS ? parsed.expires_in : MIN_TOKEN_SECONDS;
    return { token, expiresAt: started + seconds * 1000 - Math.min(RENEW_MARGIN_MS, seconds * 100), serial: ++this.fetched };
  }

  /** The error for a request still refused after signing in. */
  refused(): RegistryError {
    const host = this.transport.base.host;
    if (!this.credential) return new RegistryError(`${host} requires authentication (401 Unauthorized)`, { status: 401, reason: 'credentials-required' });
    const who = this.username !== undefined ? `the credentials of "${this.username}"` : 'the token';
    return new RegistryError(`${host} refused ${who} (401 Unauthorized)`, { status: 401, reason: 'unauthorized' });
  }
}
