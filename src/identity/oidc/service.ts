import { randomInt } from 'node:crypto';
import type * as client from 'openid-client';
import {
  createUser,
  ensureGroups,
  findUserByEmail,
  findUserById,
  findUserByName,
  GROUP_TYPES,
  hashPassword,
  setUserGroups,
  UNMATCHABLE_HASH,
} from '../../auth/index.js';
import type { Clock } from '../../platform/clock.js';
import { isUniqueViolation, type Database, type Executor, type OidcUser, type User } from '../../platform/db/index.js';
import { ConflictError, InvalidInputError, NotFoundError, PreconditionFailedError } from '../../platform/errors/index.js';
import type { SecretBox } from '../../platform/secrets/index.js';
import type { Settings } from '../../platform/settings/index.js';
import { passwordProblem, usernameProblem } from '../../users/index.js';
import { providerUser, type ProviderUser } from './claims.js';
import { describeFailure, loadOpenidClient, OidcProviderClient, ProviderError, readOidcSettings, type OidcSettings } from './provider.js';
import * as repo from './repo.js';
import { openState, sealState } from './sealed-cookie.js';

/** How long a browser has between leaving for the provider and coming back, and then to choose a username. */
export const LOGIN_STATE_MS = 10 * 60_000;

/** What the login keeps in the browser (sealed) until the provider sends it back. */
interface LoginState {
  state: string;
  nonce: string;
  verifier: string;
  redirectUri: string;
  next: string;
}

/** A provider user waiting to choose a username (no `oidc_auto_onboard`), sealed in the browser. */
interface PendingOnboard {
  user: ProviderUser;
  refreshToken: string;
  tokenExpiresAt: number | null;
}

export type SignIn =
  | { kind: 'signed-in'; user: User; next: string }
  /** The portal asks for a username; `pending` is the sealed cookie that carries who signed in. */
  | { kind: 'onboard'; pending: string; suggestion: string; next: string };

/** Harbor's OIDCUserInfo (`UserResp.oidc_user_meta`). */
export interface OidcUserMeta {
  id: number;
  user_id: number;
  subiss: string;
  secret: string;
  creation_time: string;
  update_time: string;
}

/** The message a CLI login gets when the administrator tied CLI secrets to the provider's session and it ended. */
export const SESSION_EXPIRED = 'your OIDC session has expired: sign in to the portal again';

export interface OidcServiceDeps {
  database: Database;
  clock: Clock;
  settings: Settings;
  secrets: SecretBox;
  allowPrivateNetworks: boolean;
  /** `auth.oidcCliSecretNeedsSession`. */
  cliSecretNeedsSession: boolean;
  /** After a CLI secret change: remembered verified secrets must go. */
  forgetAccounts(): void;
  /** After a sign-in recorded the user's groups: roles through groups are read again. */
  membershipsChanged(): void;
}

const SECRET_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** 32 random characters with an uppercase letter, a lowercase one and a digit, so it passes Harbor's rule. */
export function generateCliSecret(): string {
  for (;;) {
    let secret = '';
    for (let i = 0; i < 32; i++) secret += SECRET_ALPHABET[randomInt(SECRET_ALPHABET.length)];
    if (passwordProblem(secret) === undefined) return secret;
  }
}

/** Only a path on this site after sign-in: never a redirect elsewhere. */
export function localPath(next: string | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

/** Harbor's `oidc_scope` is comma-separated; `openid` is always asked for. */
function scopeOf(settings: OidcSettings): string {
  const scopes = settings.oidc_scope
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (!scopes.includes('openid')) scopes.unshift('openid');
  return scopes.join(' ');
}

/** `oidc_extra_redirect_parms`: a JSON object of strings added to the authorization request (Harbor's). */
function extraParameters(settings: OidcSettings): Record<string, string> {
  const raw = settings.oidc_extra_redirect_parms.trim();
  if (raw === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidInputError('input', 'oidc_extra_redirect_parms must be a JSON object of strings, such as {"prompt":"login"}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
    throw new InvalidInputError('input', 'oidc_extra_redirect_parms must be a JSON object of strings, such as {"prompt":"login"}');
  }
  return parsed as Record<string, string>;
}

export class OidcService {
  readonly provider: OidcProviderClient;

  constructor(private readonly deps: OidcServiceDeps) {
    this.provider = new OidcProviderClient(deps.allowPrivateNetworks);
  }

  private now(): number {
    return this.deps.clock.now();
  }

  private async oidcSettings(): Promise<OidcSettings> {
    const settings = await readOidcSettings(this.deps.settings);
    if (settings.auth_mode !== 'oidc_auth') throw new PreconditionFailedError('input', 'OIDC sign-in is off: auth_mode is not oidc_auth');
    return settings;
  }

  private async configuration(settings: OidcSettings): Promise<client.Configuration> {
    try {
      return await this.provider.configuration(settings);
    } catch (error) {
      throw new PreconditionFailedError('input', error instanceof ProviderError ? error.message : describeFailure(error));
    }
  }

  /** `GET /c/oidc/login`: where to send the browser, and the sealed state it carries there and back. */
  async startLogin(redirectUri: string, next: string | undefined): Promise<{ location: string; state: string }> {
    const settings = await this.oidcSettings();
    const configuration = await this.configuration(settings);
    const openid = await loadOpenidClient();
    const login: LoginState = {
      state: openid.randomState(),
      nonce: openid.randomNonce(),
      verifier: openid.randomPKCECodeVerifier(),
      redirectUri,
      next: localPath(next),
    };
    const location = openid.buildAuthorizationUrl(configuration, {
      ...extraParameters(settings),
      redirect_uri: redirectUri,
      scope: scopeOf(settings),
      state: login.state,
      nonce: login.nonce,
      code_challenge: await openid.calculatePKCECodeChallenge(login.verifier),
      code_challenge_method: 'S256',
    });
    return { location: location.href, state: sealState(this.deps.secrets, login, this.now() + LOGIN_STATE_MS) };
  }

  /** `GET /c/oidc/callback`: the code exchanged, the ID token checked, the user signed in or asked for a username. */
  async finishLogin(query: string, stateCookie: string | undefined): Promise<SignIn> {
    const login = openState<LoginState>(this.deps.secrets, stateCookie, this.now());
    if (!login) throw new InvalidInputError('input', 'the sign-in took too long or was started in another browser: sign in again');
    const params = new URLSearchParams(query);
    const refusal = params.get('error');
    if (refusal)
      throw new InvalidInputError(
        'input',
        `the OIDC provider refused the sign-in: ${refusal}${params.get('error_description') ? `: ${params.get('error_description')}` : ''}`,
      );
    const settings = await this.oidcSettings();
    const configuration = await this.configuration(settings);
    const callbackUrl = new URL(login.redirectUri);
    callbackUrl.search = query;
    const openid = await loadOpenidClient();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await openid.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: login.verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw new InvalidInputError('input', `the OIDC sign-in could not be completed: ${describeFailure(error)}`);
    }
    const idClaims = tokens.claims();
    if (!idClaims) throw new InvalidInputError('input', 'the OIDC provider sent no ID token');
    const claims: Record<string, unknown> = { ...(await this.userInfo(configuration, tokens.access_token, idClaims.sub)), ...idClaims };
    const user = providerUser(claims, settings);
    const refreshToken = tokens.refresh_token ?? '';
    const tokenExpiresAt = this.expiryOf(tokens.expires_in, idClaims.exp);
    const known = await repo.findOidcUserBySubject(this.deps.database.db, user.issuer, user.subject);
    if (known) {
      const signedIn = await this.signInKnown(known, user, refreshToken, tokenExpiresAt);
      return { kind: 'signed-in', user: signedIn, next: login.next };
    }
    if (settings.oidc_auto_onboard) {
      if (!user.username) {
        const claim = settings.oidc_user_claim.trim() || 'name';
        throw new InvalidInputError('input', `cannot onboard automatically: the ID token has no "${claim}" claim (oidc_user_claim) to take the username from`);
      }
      const created = await this.onboardUser(user, user.username, refreshToken, tokenExpiresAt);
      return { kind: 'signed-in', user: created, next: login.next };
    }
    const pending: PendingOnboard = { user, refreshToken, tokenExpiresAt };
    return {
      kind: 'onboard',
      pending: sealState(this.deps.secrets, pending, this.now() + LOGIN_STATE_MS),
      suggestion: user.username ?? '',
      next: login.next,
    };
  }

  /** `POST /c/oidc/onboard`: the username the person chose for the provider user waiting in the cookie. */
  async onboard(pendingCookie: string | undefined, username: string): Promise<User> {
    const pending = openState<PendingOnboard>(this.deps.secrets, pendingCookie, this.now());
    if (!pending) throw new InvalidInputError('input', 'no OIDC sign-in is waiting for a username, or it took too long: sign in again');
    await this.oidcSettings();
    return this.onboardUser(pending.user, username, pending.refreshToken, pending.tokenExpiresAt);
  }

  /** Userinfo merged under the ID token's claims, as Harbor; a provider without it, or failing, leaves the ID token's. */
  private async userInfo(configuration: client.Configuration, accessToken: string, subject: string): Promise<Record<string, unknown>> {
    if (!configuration.serverMetadata().userinfo_endpoint) return {};
    try {
      return await (await loadOpenidClient()).fetchUserInfo(configuration, accessToken, subject);
    } catch {
      return {};
    }
  }

  private expiryOf(expiresIn: number | undefined, idTokenExp: number | undefined): number | null {
    if (expiresIn !== undefined) return this.now() + expiresIn * 1000;
    return idTokenExp !== undefined ? idTokenExp * 1000 : null;
  }

  private session(refreshToken: string, tokenExpiresAt: number | null): repo.ProviderSession {
    return { sealedRefreshToken: this.deps.secrets.seal(refreshToken), tokenExpiresAt };
  }

  private async recordGroups(trx: Executor, userId: number, user: ProviderUser): Promise<void> {
    const groupIds = await ensureGroups(
      trx,
      user.groups.map((name) => ({ type: GROUP_TYPES.oidc, name })),
      this.now(),
    );
    await setUserGroups(trx, userId, groupIds, user.admin);
  }

  private async signInKnown(known: OidcUser, user: ProviderUser, refreshToken: string, tokenExpiresAt: number | null): Promise<User> {
    const signedIn = await this.deps.database.db.transaction().execute(async (trx) => {
      const account = await findUserById(trx, known.user_id);
      if (!account) throw new NotFoundError('input', 'the account of this OIDC user was removed');
      await repo.saveProviderSession(trx, known.user_id, this.session(refreshToken, tokenExpiresAt), this.now());
      await this.recordGroups(trx, known.user_id, user);
      return account;
    });
    // Group changes and a renewed session take effect on every instance now, not when caches run out.
    this.deps.forgetAccounts();
    this.deps.membershipsChanged();
    return signedIn;
  }

  private async onboardUser(user: ProviderUser, username: string, refreshToken: string, tokenExpiresAt: number | null): Promise<User> {
    const problem = usernameProblem(username);
    if (problem) throw new InvalidInputError('input', problem);
    const now = this.now();
    const secret = generateCliSecret();
    const secretHash = await hashPassword(secret);
    try {
      const created = await this.deps.database.db.transaction().execute(async (trx) => {
        if (await findUserByName(trx, username)) throw new ConflictError('input', `the username "${username}" is taken: choose another`);
        // Emails are one person's: one already in use is left off rather than shared.
        const email = user.email && !(await findUserByEmail(trx, user.email)) ? user.email : null;
        const account = await createUser(trx, { username, passwordHash: UNMATCHABLE_HASH, sysadmin: false, realname: user.realname ?? '', email, now });
        await repo.insertOidcUser(trx, {
          userId: account.id,
          issuer: user.issuer,
          subject: user.subject,
          sealedSecret: this.deps.secrets.seal(secret),
          secretHash,
          session: this.session(refreshToken, tokenExpiresAt),
          now,
        });
        await this.recordGroups(trx, account.id, user);
        return account;
      });
      this.deps.forgetAccounts();
      this.deps.membershipsChanged();
      return (await findUserById(this.deps.database.db, created.id)) ?? created;
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ConflictError('input', `the username "${username}" is taken, or this OIDC user was onboarded meanwhile: sign in again`);
      throw error;
    }
  }

  /** Harbor's `oidc_user_meta`, the CLI secret in clear: for the user themself (`GET /users/current`). */
  async userMeta(userId: number): Promise<OidcUserMeta | undefined> {
    const row = await repo.findOidcUserByUserId(this.deps.database.db, userId);
    if (!row) return undefined;
    return {
      id: row.id,
      user_id: row.user_id,
      subiss: `${row.subject}${row.issuer}`,
      secret: this.deps.secrets.open(row.secret) ?? '',
      creation_time: new Date(row.created_at).toISOString(),
      update_time: new Date(row.updated_at).toISOString(),
    };
  }

  /** `PUT /users/{id}/cli_secret`; the old secret stops working at once. */
  async setCliSecret(userId: number, secret: string): Promise<void> {
    const { auth_mode } = await this.deps.settings.pick(['auth_mode']);
    if (auth_mode !== 'oidc_auth') throw new PreconditionFailedError('input', 'CLI secrets exist only when auth_mode is oidc_auth');
    const problem = passwordProblem(secret);
    if (problem) throw new InvalidInputError('input', problem.replace(/^password/, 'the CLI secret'));
    const row = await repo.findOidcUserByUserId(this.deps.database.db, userId);
    if (!row) throw new InvalidInputError('input', `user ${userId} did not sign in through OIDC: only OIDC users have a CLI secret`);
    await repo.saveCliSecret(this.deps.database.db, userId, this.deps.secrets.seal(secret), await hashPassword(secret), this.now());
    this.deps.forgetAccounts();
  }

  /**
   * How an OIDC user's Basic credentials are checked (the Authenticator's ExternalCredentials):
   * by the CLI secret in oidc_auth mode; the local admin and the other modes keep passwords.
   */
  async forUser(user: User): Promise<{ secretHash: string; active: boolean; refusal?: string } | undefined> {
    if (user.username === 'admin') return undefined;
    const { auth_mode } = await this.deps.settings.pick(['auth_mode']);
    if (auth_mode !== 'oidc_auth') return undefined;
    const row = await repo.findOidcUserByUserId(this.deps.database.db, user.id);
    if (!row) return { secretHash: UNMATCHABLE_HASH, active: false };
    if (!this.deps.cliSecretNeedsSession) return { secretHash: row.secret_hash, active: true };
    const refusal = await this.sessionRefusal(row);
    return refusal === undefined ? { secretHash: row.secret_hash, active: true } : { secretHash: row.secret_hash, active: false, refusal };
  }

  /**
   * Whether the provider's session behind a CLI secret is still alive: the access token has not
   * run out, or the refresh token gets a new one. A provider that refuses to refresh (the
   * account disabled, the session revoked) ends it until the user signs in to the portal again.
   */
  private async sessionRefusal(row: OidcUser): Promise<string | undefined> {
    if (row.session_ended_at !== null) return SESSION_EXPIRED;
    const now = this.now();
    if (row.token_expires_at !== null && now < row.token_expires_at) return undefined;
    const refreshToken = this.deps.secrets.open(row.refresh_token) ?? '';
    if (refreshToken === '') {
      await repo.endProviderSession(this.deps.database.db, row.user_id, now);
      return SESSION_EXPIRED;
    }
    let configuration: client.Configuration;
    try {
      configuration = await this.provider.configuration(await readOidcSettings(this.deps.settings));
    } catch (error) {
      return `the OIDC provider could not be reached to renew your session: ${describeFailure(error)}`;
    }
    const openid = await loadOpenidClient();
    try {
      const tokens = await openid.refreshTokenGrant(configuration, refreshToken);
      const session = this.session(tokens.refresh_token ?? refreshToken, this.expiryOf(tokens.expires_in, tokens.claims()?.exp));
      await repo.saveProviderSession(this.deps.database.db, row.user_id, session, now);
      return undefined;
    } catch (error) {
      // The provider answered no: the session is over. Anything else (unreachable) may pass: refused this time, not ended.
      if (error instanceof openid.ResponseBodyError) {
        await repo.endProviderSession(this.deps.database.db, row.user_id, now);
        return SESSION_EXPIRED;
      }
      return `the OIDC provider could not be reached to renew your session: ${describeFailure(error)}`;
    }
  }

  /** `POST /system/oidc/ping`: the discovery document at the URL, read and checked. */
  async ping(url: string, verifyCert: boolean): Promise<void> {
    try {
      await this.provider.discover(url, verifyCert);
    } catch (error) {
      throw new InvalidInputError('input', error instanceof ProviderError ? error.message : describeFailure(error));
    }
  }
}
