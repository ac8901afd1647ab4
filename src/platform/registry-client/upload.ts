import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { discard, headerOf } from './connection.js';
import { RegistryError } from './errors.js';
import { backoffMs, isRetriedStatus, isTransient, type Requester } from './requester.js';

export interface PushBlobOptions {
  /** Bytes per PATCH (8 MiB by default); a blob no larger goes in one PUT. */
  chunkSize?: number;
  /** Bytes the registry has acknowledged so far. */
  onProgress?: (bytesSent: number) => void;
  signal?: AbortSignal;
  /** An upload session begun earlier (before a restart): continue it from what it holds. */
  resumeFrom?: { location: string };
  /** The session's current location, each time it changes: keep it to resume after a restart. */
  onSession?: (location: string) => void;
}

export interface PushBlobResult {
  /** Every byte put on the wire, resent ones included. */
  bytesSent: number;
}

export type OpenBlob = (offset: number) => Promise<Readable>;

const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
const MIN_CHUNK_BYTES = 64 * 1024;
const MAX_CHUNK_BYTES = 1024 * 1024 * 1024;
/** Failures in a row (no chunk acknowledged in between) before the push gives up. */
const MAX_FAILURES = 6;

/** Failures an upload recovers from by asking the session where it stands and going on from there. */
function recoverable(err: unknown): boolean {
  if (isTransient(err)) return true;
  if (!(err instanceof RegistryError) || err.status === undefined) return false;
  // 401: a token that expired mid-upload; 404/400 BLOB_UPLOAD_*: the session is gone; 409: still busy with the cut chunk; 416: offsets disagree.
  return isRetriedStatus(err.status) || [401, 404, 409, 416].includes(err.status) || err.code === 'BLOB_UPLOAD_INVALID' || err.code === 'BLOB_UPLOAD_UNKNOWN';
}

/** The first `length` bytes of `source`; fails if it ends sooner. */
function take(source: Readable, length: number): Readable {
  return Readable.from(
    (async function* () {
      let left = length;
      try {
        for await (const chunk of source as AsyncIterable<Buffer>) {
          if (chunk.length >= left) {
            yield chunk.subarray(0, left);
            left = 0;
            break;
          }
          yield chunk;
          left -= chunk.length;
        }
      } finally {
        source.destroy();
      }
      if (left > 0) throw new RegistryError(`the blob's source ended ${left} bytes early`, { reason: 'invalid' });
    })(),
    { objectMode: false },
  );
}

/**
 * A blob upload that survives cut connections and registry hiccups: chunks go up by PATCH with
 * `Content-Range`; after a failure the session is asked how much it holds (`GET` → `Range: 0-N`)
 * and the push goes on from N+1, reopening the source there; only a session that is gone is
 * begun anew. Nothing is buffered: every chunk streams from `open(offset)`.
 */
export class BlobPush {
  private sent = 0;
  private acknowledged = 0;
  private location: URL | undefined;
  private readonly scopes: string[];
  private readonly chunkSize: number;

  constructor(
    private readonly requester: Requester,
    private readonly repository: string,
    private readonly digest: string,
    private readonly size: number,
    private readonly open: OpenBlob,
    private readonly options: PushBlobOptions = {},
  ) {
    this.scopes = [`repository:${repository}:pull,push`];
    this.chunkSize = Math.min(Math.max(Math.floor(options.chunkSize ?? DEFAULT_CHUNK_BYTES), MIN_CHUNK_BYTES), MAX_CHUNK_BYTES);
  }

  async run(): Promise<PushBlobResult> {
    let failures = 0;
    let recovering = false;
    if (this.options.resumeFrom) await this.resume(new URL(this.options.resumeFrom.location, this.requester.transport.base));
    const monolithic = this.size <= this.chunkSize && this.location === undefined;
    for (;;) {
      try {
        if (recovering) {
          // The failure may have hidden a success (the final PUT's answer was what got lost).
          if (await this.blobExists()) return { bytesSent: this.sent };
          if (monolithic) this.location = undefined;
          else if (this.location) await this.resume(this.location);
          recovering = false;
        }
        if (!this.location) await this.start();
        if (monolithic) return await this.finish(this.size);
        if (this.acknowledged < this.size) {
          await this.patch(Math.min(this.acknowledged + this.chunkSize, this.size));
          failures = 0;
          continue;
        }
        return await this.finish(0);
      } catch (err) {
        if (!recoverable(err) || ++failures >= MAX_FAILURES) throw err;
        await sleep(backoffMs(failures, undefined), undefined, this.options.signal ? { signal: this.options.signal } : {});
        recovering = true;
      }
    }
  }

  private async start(): Promise<void> {
    const answer = await this.requester.call({
      method: 'POST',
      target: `/v2/${this.repository}/blobs/uploads/`,
      scopes: this.scopes,
      headers: { 'content-length': '0' },
      signal: this.options.signal,
    });
    const location = headerOf(answer.headers, 'location');
    if (answer.status !== 202 || !location) throw await this.requester.failure(`starting the upload of ${this.digest} to ${this.repository}`, answer);
    discard(answer);
    this.moveTo(new URL(location, this.requester.transport.base));
    this.acknowledged = 0;
  }

  private moveTo(location: URL): void {
    this.location = location;
    this.options.onSession?.(location.href);
  }

  /** Asks the session how far it got; a session that is gone leaves no location (the next round begins anew). */
  private async resume(location: URL): Promise<void> {
    const answer = await this.requester.call({ method: 'GET', target: location, scopes: this.scopes, signal: this.options.signal });
    if (answer.status === 404 || answer.status === 400) {
      discard(answer);
      this.location = undefined;
      return;
    }
    if (answer.status !== 204 && answer.status !== 200) throw await this.requester.failure(`asking the upload of ${this.digest} where it stands`, answer);
    discard(answer);
    const held = this.heldBytes(headerOf(answer.headers, 'range'));
    const next = headerOf(answer.headers, 'location');
    this.moveTo(next ? new URL(next, location) : location);
    this.acknowledged = held;
    this.options.onProgress?.(held);
  }

  /** `Range: 0-N` means N+1 bytes held. `0-0` is ambiguous (CNCF distribution says it for 0 and 1 bytes): read as what was acknowledged before. */
  private heldBytes(range: string | undefined): number {
    const match = /^(?:bytes=)?0-(\d{1,16})$/.exec(range?.trim() ?? '');
    if (!match) return 0;
    const last = Number(match[1]);
    const held = last === 0 && this.acknowledged === 0 ? 0 : last + 1;
    if (held > this.size) throw new RegistryError(`the upload session holds ${held} bytes, more than the blob's ${this.size}`, { reason: 'invalid', status: 416 });
    return held;
  }

  private async patch(end: number): Promise<void> {
    const start = this.acknowledged;
    const location = this.location as URL;
    const answer = await this.requester.call({
      method: 'PATCH',
      target: location,
      scopes: this.scopes,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(end - start), 'content-range': `${start}-${end - 1}` },
      body: take(await this.open(start), end - start),
      signal: this.options.signal,
      onBodyBytes: (bytes) => (this.sent += bytes),
    });
    if (answer.status !== 202) throw await this.requester.failure(`uploading bytes ${start}-${end - 1} of ${this.digest}`, answer);
    discard(answer);
    const next = headerOf(answer.headers, 'location');
    if (next) this.moveTo(new URL(next, location));
    const range = headerOf(answer.headers, 'range');
    this.acknowledged = range ? this.heldBytes(range) : end;
    if (this.acknowledged <= start) throw new RegistryError(`the registry acknowledged none of bytes ${start}-${end - 1}`, { status: 416, reason: 'unexpected' });
    this.options.onProgress?.(this.acknowledged);
  }

  /** Closes the session with the digest, sending the last `length` bytes with it (the whole blob when monolithic). */
  private async finish(length: number): Promise<PushBlobResult> {
    const url = new URL((this.location as URL).href);
    url.searchParams.set('digest', this.digest);
    const body = length > 0 ? take(await this.open(0), length) : Buffer.alloc(0);
    const answer = await this.requester.call({
      method: 'PUT',
      target: url,
      scopes: this.scopes,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(length) },
      body,
      signal: this.options.signal,
      onBodyBytes: (bytes) => (this.sent += bytes),
      retry: false,
    });
    if (answer.status !== 201) throw await this.requester.failure(`completing the upload of ${this.digest} to ${this.repository}`, answer);
    discard(answer);
    const stored = headerOf(answer.headers, 'docker-content-digest');
    if (stored && stored !== this.digest) throw new RegistryError(`the registry stored ${this.digest} as ${stored}`, { reason: 'unexpected' });
    if (this.acknowledged !== this.size) this.options.onProgress?.(this.size);
    this.acknowledged = this.size;
    return { bytesSent: this.sent };
  }

  private async blobExists(): Promise<boolean> {
    const answer = await this.requester.call({
      method: 'HEAD',
      target: `/v2/${this.repository}/blobs/${this.digest}`,
      scopes: this.scopes,
      signal: this.options.signal,
    });
    discard(answer);
    return answer.status === 200;
  }
}
