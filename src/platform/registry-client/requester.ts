import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Authenticator, parseChallenge } from './auth.js';
import { discard, headerOf, readBody, Transport, type Answer, type Exchange, type RegistryConnection } from './connection.js';
import { answeredError, RegistryError } from './errors.js';

export interface Call {
  readonly method: Exchange['method'];
  /** A path on the registry (`/v2/...`) or an absolute URL it handed out (an upload location). */
  readonly target: string | URL;
  /** Token scopes the request needs (`repository:<name>:pull`, `registry:catalog:*`). */
  readonly scopes: readonly string[];
  readonly headers?: Record<string, string>;
  /** Buffers are resent on retries; a stream is sent once and its failure is the caller's to handle. */
  readonly body?: Buffer | Readable;
  readonly signal?: AbortSignal | undefined;
  readonly onBodyBytes?: (bytes: number) => void;
  /** Retry connection failures, 429 and 5xx (default: unless the body is a stream). */
  readonly retry?: boolean;
}

const MAX_ATTEMPTS = 5;
const MAX_REDIRECTS = 5;
const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 20_000;
const RETRIED_STATUSES = new Set([429, 500, 502, 503, 504]);
const ERROR_BODY_BYTES = 64 * 1024;

/** How long to wait before attempt `attempt` (1-based): exponential with jitter, or what `Retry-After` asks (bounded). */
export function backoffMs(attempt: number, retryAfter: string | undefined, now: number = Date.now()): number {
  if (retryAfter) {
    const seconds = /^\d{1,6}$/.test(retryAfter.trim()) ? Number(retryAfter) * 1000 : Date.parse(retryAfter) - now;
    if (Number.isFinite(seconds)) return Math.min(Math.max(seconds, 0), MAX_DELAY_MS * 3);
  }
  const ceiling = Math.min(BASE_DELAY_MS * 2 ** (attempt - 1), MAX_DELAY_MS);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** A retryable failure: no answer at all (cut, refused, timed out) rather than a refusal. */
export function isTransient(err: unknown): boolean {
  return err instanceof RegistryError && (err.reason === 'unreachable' || err.reason === 'timeout');
}

export const isRetriedStatus = (status: number): boolean => RETRIED_STATUSES.has(status);

/**
 * Every request of the client goes through here: signing in on a challenge, retrying what may
 * succeed later (bounded, with backoff, honouring `Retry-After`), following redirects of reads
 * without carrying credentials to another host.
 */
export class Requester {
  readonly transport: Transport;
  readonly auth: Authenticator;

  constructor(connection: RegistryConnection, now?: () => number) {
    this.transport = new Transport(connection);
    this.auth = new Authenticator(this.transport, connection.credential, now);
  }

  get host(): string {
    return this.transport.base.host;
  }

  /** The answer to `call`; any status but an unresolved 401 is the caller's to judge. */
  async call(call: Call): Promise<Answer> {
    const streamed = call.body !== undefined && !Buffer.isBuffer(call.body);
    const retry = call.retry ?? !streamed;
    for (let attempt = 1; ; attempt++) {
      let answer: Answer;
      try {
        answer = await this.signedIn(call, streamed);
      } catch (err) {
        if (!retry || attempt >= MAX_ATTEMPTS || !isTransient(err)) throw err;
        await sleep(backoffMs(attempt, undefined), undefined, call.signal ? { signal: call.signal } : {});
        continue;
      }
      if (!retry || attempt >= MAX_ATTEMPTS || !isRetriedStatus(answer.status)) return answer;
      discard(answer);
      await sleep(backoffMs(attempt, headerOf(answer.headers, 'retry-after')), undefined, call.signal ? { signal: call.signal } : {});
    }
  }

  private async signedIn(call: Call, streamed: boolean): Promise<Answer> {
    let url = typeof call.target === 'string' ? new URL(call.target, this.transport.base) : call.target;
    let signIns = 0;
    for (let hop = 0; hop <= MAX_REDIRECTS;) {
      const ownHost = url.origin === this.transport.base.origin;
      const authorization = ownHost ? await this.auth.authorization(call.scopes, call.signal) : { fresh: true };
      const headers = { ...call.headers, ...(authorization.header ? { authorization: authorization.header } : {}) };
      const answer = await this.transport.send({ method: call.method, url, headers, body: call.body, signal: call.signal, onBodyBytes: call.onBodyBytes });
      if (answer.status === 401 && ownHost) {
        const challenge = headerOf(answer.headers, 'www-authenticate');
        discard(answer);
        // Learnt even for a streamed body (which cannot be resent): the next request signs in afresh.
        const worthRetrying = this.auth.learn(challenge, call.scopes, authorization);
        if (streamed || signIns >= 2 || !worthRetrying) throw this.unauthorized(challenge, call.scopes);
        signIns++;
        continue;
      }
      const location = headerOf(answer.headers, 'location');
      if ([301, 302, 303, 307, 308].includes(answer.status) && location && (call.method === 'GET' || call.method === 'HEAD')) {
        discard(answer);
        url = new URL(location, url);
        hop++;
        continue;
      }
      return answer;
    }
    throw new RegistryError(`too many redirects from ${url.host}`, { reason: 'unexpected' });
  }

  private unauthorized(challengeHeader: string | undefined, scopes: readonly string[]): RegistryError {
    const challenge = parseChallenge(challengeHeader);
    if (challenge?.params.error === 'insufficient_scope' && this.auth.hasCredentials) {
      return new RegistryError(`denied: ${this.host} does not grant ${scopes.join(' ')} (insufficient scope)`, { status: 403, code: 'DENIED', reason: 'denied' });
    }
    return this.auth.refused();
  }

  /** The error for an answer the caller did not expect, with the registry's OCI code and message. */
  async failure(what: string, answer: Answer): Promise<RegistryError> {
    const body = await readBody(answer, ERROR_BODY_BYTES, what).catch(() => undefined);
    return answeredError(what, this.host, answer.status, body);
  }

  close(): void {
    this.transport.close();
  }
}
