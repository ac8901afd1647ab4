import { createHash, randomUUID } from 'node:crypto';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { forShare, lockForTransaction, type Repository } from '../platform/db/index.js';
import { asStorageFull, ConflictError, InvalidInputError, NotFoundError, QuotaExceededError, TooManyRequestsError } from '../platform/errors/index.js';
import { HashingStream, makeDigest, type Digest } from '../platform/lib/index.js';
import { runningSha256, type RunningSha256 } from '../platform/native/index.js';
import { blobPath, PathNotFoundError, uploadDir, uploadPath, type FileWriter } from '../platform/storage/index.js';
import type { Actor } from './delete.js';
import type { ContentDeps } from './deps.js';
import type { GateRunner } from './gate-runner.js';
import type { UploadRoom } from './gates.js';
import { recordQuotaExceeded } from './manifests.js';
import * as repo from './repo.js';
import { UploadMeter } from './upload-meter.js';
import { UploadMetrics } from './upload-metrics.js';
import { heldSize, pendingBytes } from './usage.js';

/** A byte range declared by `Content-Range: <start>-<end>` (inclusive). */
export interface ChunkRange {
  start: number;
  end: number;
}

interface RunningHash {
  hash: RunningSha256;
  offset: number;
}

/** What a request says of the bytes it brings. */
export interface IncomingBytes {
  body: Readable;
  /** Content-Length, when the request declares one: more than the room is refused before a byte is read. */
  length?: number | undefined;
  /** Who sends them: named in the QUOTA_EXCEED event when the quota refuses them. */
  sender?: Actor;
}

/**
 * Blob uploads: bytes land under `uploads/<id>` and become a blob only once their digest
 * is verified. The sha256 of what arrived is kept while the upload runs, so closing a
 * chunked upload does not read it back; after a restart (or on another instance) it is
 * recomputed from storage instead.
 *
 * Bounds: an account has at most `registry.maxUploadsPerAccount` sessions open, and new
 * bytes must fit in the room the push gates leave (the quota counts what uploads and
 * unheld blobs take beside what artifacts hold); bytes refused are discarded with their upload.
 */
/**
 * Sessions count against the per-account cap while used within this window. A push that
 * failed half-way leaves sessions behind until the purge (a day); counting them all that
 * time would lock a busy CI robot out after a few dozen failures. A flood still stops at
 * the cap, which it reaches within the hour it runs.
 */
const CAP_WINDOW_MS = 60 * 60 * 1000;
/**
 * How long a writer holds an upload past its last sign of life. Bytes arriving renew the hold
 * (every TOUCH_EVERY_MS); a writer whose instance died lets it go after this long, so the request
 * that continues its upload (a client's, a replication resuming after a crash) waits no longer.
 * A live writer silent for longer (the idle timeout allows 75 s) loses the hold only to another
 * request that takes the upload meanwhile, and then publishes nothing (see publish).
 */
const WRITER_HOLD_MS = 30_000;

/** Raised inside the publishing transaction to roll it back: the writer no longer holds the upload. */
class UploadTakenOver extends Error {}

/** Running digests kept between an upload's requests on this instance, at most. */
const MAX_KEPT_HASHES = 4096;

/** One request writing an upload: its token in the upload's row, and the size it began at. */
interface Hold {
  writer: string;
  size: number;
}

export class UploadService {
  private readonly hashes = new Map<string, RunningHash>();
  private readonly busy = new Set<string>();
  private readonly metrics: UploadMetrics;

  constructor(
    private readonly deps: ContentDeps,
    private readonly gates: GateRunner,
  ) {
    this.metrics = new UploadMetrics(deps.metrics, deps.database, () => this.busy.size);
  }

  /**
   * Opens an upload session for the account (`user:5`, `robot:3`; none for system work, which
   * is not capped). The count and the insert are one step per account, on every instance:
   * concurrent starts wait for each other instead of all seeing room for one more.
   */
  async start(repository: Repository, account?: string): Promise<string> {
    await this.gates.beforeChange(this.deps.database.db);
    await this.deps.space.assertRoom();
    const id = randomUUID();
    const { db, dialect } = this.deps.database;
    const cap = this.deps.config.registry.maxUploadsPerAccount;
    await db.transaction().execute(async (trx) => {
      if (account !== undefined) {
        await lockForTransaction(trx, dialect, `berth:uploads:${account}`);
        if ((await repo.countUploadsOf(trx, account, this.deps.clock.now() - CAP_WINDOW_MS)) >= cap) {
          throw new TooManyRequestsError(
            'upload',
            `too many upload sessions open: an account may have ${cap} in use within an hour; finish or cancel some first (abandoned ones stop counting after an hour idle)`,
            { limit: cap },
          );
        }
      }
      await repo.createUpload(trx, id, repository.id, account ?? null, this.deps.clock.now());
    });
    this.metrics.started.inc();
    return id;
  }

  /** Open upload sessions on this instance being written right now; the purge leaves them be. */
  get writing(): ReadonlySet<string> {
    return this.busy;
  }

  /** The upload's current size; BLOB_UPLOAD_UNKNOWN when there is none. */
  async size(repository: Repository, id: string): Promise<number> {
    const upload = await repo.findUpload(this.deps.database.db, id, repository.id);
    if (!upload) throw new NotFoundError('upload', 'blob upload unknown to registry', { uuid: id });
    return upload.size;
  }

  /** Whether a request holds the upload now, on any instance (one that died holds it until its hold runs out). */
  async held(repository: Repository, id: string): Promise<boolean> {
    const upload = await repo.findUpload(this.deps.database.db, id, repository.id);
    return upload?.writer != null && Number(upload.writer_until ?? 0) >= this.deps.clock.now();
  }

  /** Appends a chunk; a declared range must start where the upload ends (else 416). */
  async append(repository: Repository, id: string, incoming: IncomingBytes, range: ChunkRange | undefined): Promise<number> {
    return this.exclusive(id, () =>
      this.reportingQuota(repository, undefined, incoming, async () => {
        await this.gates.beforeChange(this.deps.database.db);
        return this.holding(repository, id, async ({ writer, size }) => {
          if (range && range.start !== size) {
            throw new InvalidInputError('range', 'chunk does not start where the upload ends', { expectedStart: size, start: range.start, uploaded: size });
          }
          await this.deps.space.assertRoom();
          return this.write(id, writer, size, incoming, await this.room(repository, undefined));
        });
      }),
    );
  }

  /** Appends the final chunk (if any), verifies the digest and publishes the blob. */
  async complete(repository: Repository, id: string, digest: Digest, incoming: IncomingBytes | undefined): Promise<number> {
    return this.exclusive(id, () =>
      this.reportingQuota(repository, digest, incoming, async () => {
        // An upload begun before the registry turned read-only does not publish a blob after.
        await this.gates.beforeChange(this.deps.database.db);
        return this.holding(
          repository,
          id,
          async ({ writer, size }) => {
            // Closing an upload without a body adds no bytes: it may finish even on a disk near full.
            // A body that completes the upload is committed by the write itself: publishing then
            // need not open the file again to flush it.
            let durable = false;
            if (incoming) {
              await this.deps.space.assertRoom();
              ({ size, durable } = await this.writeFinal(id, writer, size, incoming, await this.room(repository, digest)));
            }
            await this.publish(repository, id, digest, size, writer, durable);
            return size;
          },
          true,
        );
      }),
    );
  }

  /** An upload refused by the quota tells the project's webhooks, as a refused manifest does (QUOTA_EXCEED). */
  private async reportingQuota<T>(repository: Repository, digest: Digest | undefined, incoming: IncomingBytes | undefined, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof QuotaExceededError && incoming?.sender) {
        const event = { projectId: repository.project_id, repository: repository.name, digest: digest?.toString() ?? '', tag: null };
        await recordQuotaExceeded(this.deps, { ...event, operator: incoming.sender.name, at: this.deps.clock.now() });
      }
      throw err;
    }
  }

  /** A whole blob in one request (`POST ?digest=`); its session counts for the account while it runs. */
  async monolithic(repository: Repository, digest: Digest, incoming: IncomingBytes, account?: string): Promise<number> {
    const id = await this.start(repository, account);
    try {
      return await this.complete(repository, id, digest, incoming);
    } catch (err) {
      await this.discard(id);
      throw err;
    }
  }

  async cancel(repository: Repository, id: string): Promise<void> {
    await this.exclusive(id, async () => {
      await this.size(repository, id);
      await this.discard(id);
    });
  }

  /**
   * Runs `work` as the upload's one writer, on every instance (see repo.claimUpload): a second
   * request meanwhile gets 409. BLOB_UPLOAD_UNKNOWN when there is no such upload. Work that
   * `ends` the upload (publishes it) leaves nothing to let go when it succeeds.
   */
  private async holding<T>(repository: Repository, id: string, work: (hold: Hold) => Promise<T>, ends = false): Promise<T> {
    const { database, clock } = this.deps;
    const writer = randomUUID();
    const now = clock.now();
    const size = await repo.claimUpload(database.db, id, repository.id, writer, now, now + WRITER_HOLD_MS);
    if (size === undefined) throw new NotFoundError('upload', 'blob upload unknown to registry', { uuid: id });
    if (size === 'held') throw new ConflictError('upload', 'another request is writing this upload', { uuid: id });
    let ended = false;
    try {
      const result = await work({ writer, size });
      ended = ends;
      return result;
    } finally {
      if (!ended) await repo.releaseUpload(database.db, id, writer).catch(() => undefined);
    }
  }

  /**
   * Room the push gates leave for new bytes in the repository's project (undefined: unbounded).
   * A blob the project holds already costs nothing once published, so its own size is always
   * allowed for it: re-sending a layer near the limit is not refused.
   */
  private async room(repository: Repository, digest: Digest | undefined): Promise<UploadRoom | undefined> {
    const { db } = this.deps.database;
    const projectId = repository.project_id;
    // Unheld blobs linked within GC's grace window are pending; older ones are garbage GC may take.
    const linkedSince = this.deps.clock.now() - this.deps.config.gc.graceMinutes * 60_000;
    const room = await this.gates.roomForUploads(db, { projectId, pending: () => pendingBytes(db, projectId, linkedSince) });
    if (!room || !digest) return room;
    const held = await heldSize(db, projectId, digest.toString());
    return held !== undefined && held > room.bytes ? { bytes: held, refuse: room.refuse } : room;
  }

  /**
   * Streams the body onto the upload. Past the room left (declared by Content-Length, or
   * counted as the body arrives) the upload is refused and discarded whole: no part of it
   * stays behind to take storage.
   */
  private async write(id: string, holder: string, size: number, incoming: IncomingBytes, room: UploadRoom | undefined): Promise<number> {
    return (await this.writeBody(id, holder, size, incoming, room, false)).size;
  }

  /** The last body of an upload: written, then committed (durable) unless the write failed. */
  private writeFinal(id: string, holder: string, size: number, incoming: IncomingBytes, room: UploadRoom | undefined): Promise<{ size: number; durable: boolean }> {
    return this.writeBody(id, holder, size, incoming, room, true);
  }

  private async writeBody(
    id: string,
    holder: string,
    size: number,
    incoming: IncomingBytes,
    room: UploadRoom | undefined,
    final: boolean,
  ): Promise<{ size: number; durable: boolean }> {
    if (room && incoming.length !== undefined && incoming.length > room.bytes) {
      await this.discard(id);
      throw room.refuse(incoming.length);
    }
    let running = this.hashes.get(id);
    if (running && running.offset !== size) running = undefined;
    this.hashes.delete(id);
    // Without a running hash for exactly these bytes the stored ones are hashed at the end instead,
    // as they always are where storage hashes them off the event loop (sha256Of).
    const hashing = this.deps.storage.sha256Of ? undefined : (running ?? (size === 0 ? { hash: runningSha256(), offset: 0 } : undefined));
    const { database, clock } = this.deps;
    const meter = new UploadMeter({
      allowance: room?.bytes,
      now: () => clock.now(),
      touch: async () => {
        await repo.renewUpload(database.db, id, holder, clock.now(), clock.now() + WRITER_HOLD_MS);
      },
      hash: hashing?.hash,
    });
    const writer: FileWriter = await this.deps.storage.writer(uploadPath(id), { append: true });
    let written = writer.size;
    let complete = false;
    try {
      if (writer.size !== size) {
        // A write whose acknowledgement never made it (crash, lost connection): storage
        // is the truth, and the client resumes from the offset it is told.
        throw new InvalidInputError('range', 'upload offset changed; resume from the Range given', { expectedStart: writer.size, uploaded: writer.size });
      }
      const source = joined(incoming.body, meter);
      try {
        written = await writer.write(source);
      } catch (err) {
        // A chunk the disk could not hold is taken back whole: its bytes would keep the disk
        // full, and the client, told 507, resumes from what was acknowledged before.
        if (asStorageFull(err)) await writer.truncate(size);
        throw err;
      } finally {
        written = writer.size;
      }
      if (hashing && !meter.exceeded) {
        // Kept for the upload's next request, which may never come: as a digest's state, without buffers.
        if (!final) await hashing.hash.settle();
        this.hashes.set(id, { hash: hashing.hash, offset: written });
        // Uploads left unfinished are never asked for their digest: the oldest make room (one
        // that comes back is hashed from storage at the end instead).
        if (this.hashes.size > MAX_KEPT_HASHES) this.hashes.delete(this.hashes.keys().next().value as string);
      }
      complete = !meter.exceeded;
    } finally {
      this.metrics.bytes.inc(meter.bytes);
      // Only a body that arrived whole is made durable; anything else is closed for a retry to resume.
      if (final && complete) await writer.commit();
      else await writer.close();
      if (written !== size && !meter.exceeded) await repo.setUploadSize(database.db, id, written, clock.now());
    }
    if (room && meter.exceeded) {
      await this.discard(id);
      throw room.refuse(meter.bytes);
    }
    return { size: written, durable: final && complete };
  }

  /** `durable`: the upload's bytes were committed by the request that wrote the last of them. */
  private async publish(repository: Repository, id: string, expected: Digest, size: number, writer: string, durable: boolean): Promise<void> {
    const actual = await this.digestOf(id, expected, size);
    if (actual !== expected.toString()) {
      await this.discard(id);
      throw new InvalidInputError('digest', 'uploaded content does not match the digest', { expected: expected.toString(), actual });
    }
    try {
      await this.placeBlob(repository, id, expected, size, writer, durable);
    } catch (err) {
      if (!(err instanceof UploadTakenOver)) throw err;
      // The writer went silent past its hold and another request took the upload: whose bytes
      // it holds now cannot be told, so it is discarded rather than published under this digest.
      await this.discard(id);
      throw new ConflictError('upload', 'another request took this upload over while this one wrote; start the upload again', { uuid: id });
    }
    this.metrics.completed.inc();
    await this.deps.storage.delete(uploadDir(id));
  }

  /**
   * Records the blob and makes sure its bytes are at its blob path, in one transaction.
   *
   * Online GC deletes a blob's file inside the transaction that holds the blob row locked
   * (FOR UPDATE), and only when nothing references it. So the row is inserted, or locked
   * when it already exists, first; only then is the file checked, and put in place from
   * the upload if it is missing (never there yet, or removed by a GC that committed just
   * before). The upload's bytes are kept until this transaction is over for that reason.
   * On SQLite, writers are serialised, which gives the same ordering.
   */
  private async placeBlob(repository: Repository, id: string, expected: Digest, size: number, writer: string, committed: boolean): Promise<void> {
    const target = blobPath(expected);
    const { storage, database } = this.deps;
    // Durable before visible under its digest. Where a writer's close made the bytes durable
    // already (object storage), or the last write committed them, there is nothing to flush.
    // Elsewhere they are flushed outside the transaction, which on SQLite holds every other
    // writer back, unless the blob is there already.
    let durable = storage.durableOnClose || committed;
    if (!durable && size > 0 && !(await storage.stat(target))) {
      await this.flush(id);
      durable = true;
    }
    const now = this.deps.clock.now();
    await database.db.transaction().execute(async (trx) => {
      // The blob row first, before the link GC would also delete: one lock order, no deadlock.
      // A row a sweep deleted while this waited is inserted again on the second turn.
      for (let turn = 0; turn < 2; turn++) {
        await trx
          .insertInto('blobs')
          .values({ digest: expected.toString(), size, created_at: now })
          .onConflict((oc) => oc.column('digest').doNothing())
          .execute();
        if (await forShare(trx.selectFrom('blobs').select('digest').where('digest', '=', expected.toString()), database.dialect).executeTakeFirst()) break;
      }
      await repo.linkBlob(trx, repository.id, expected.toString(), size, now);
      // Only while this writer still holds the upload; else everything here is rolled back.
      if (!(await repo.deleteHeldUpload(trx, id, writer))) throw new UploadTakenOver();
      if (await storage.stat(target)) return;
      // A failed commit after this leaves a complete blob without a row; the next push of it adopts it.
      // The empty blob is put rather than moved: an upload that got no byte may have no object.
      if (size === 0) return storage.putContent(target, new Uint8Array());
      if (!durable) await this.flush(id);
      await storage.move(uploadPath(id), target);
    });
  }

  private async flush(id: string): Promise<void> {
    const writer = await this.deps.storage.writer(uploadPath(id), { append: true });
    await writer.commit();
  }

  private async digestOf(id: string, expected: Digest, size: number): Promise<string> {
    const running = this.hashes.get(id);
    this.hashes.delete(id);
    if (expected.algorithm === 'sha256' && running && running.offset === size) {
      return `sha256:${await running.hash.hex()}`;
    }
    const hash = createHash(expected.algorithm);
    // No byte written, no file: the upload is the empty blob.
    if (size === 0) return makeDigest(expected.algorithm, hash.digest('hex')).toString();
    const { storage } = this.deps;
    if (expected.algorithm === 'sha256' && storage.sha256Of) {
      try {
        return `sha256:${await storage.sha256Of(uploadPath(id), size)}`;
      } catch (err) {
        // A thread that failed (not a missing upload) leaves the bytes to be hashed here instead.
        if (err instanceof PathNotFoundError) throw err;
      }
    }
    await pipeline(await this.deps.storage.read(uploadPath(id)), new HashingStream(hash), async (source) => {
      for await (const _ of source) void _;
    });
    return makeDigest(expected.algorithm, hash.digest('hex')).toString();
  }

  private async discard(id: string): Promise<void> {
    this.hashes.delete(id);
    await this.deps.database.db.transaction().execute((trx) => repo.deleteUpload(trx, id));
    await this.deps.storage.delete(uploadDir(id));
  }

  /** One request at a time per upload on this instance: chunks must not interleave. */
  private async exclusive<T>(id: string, work: () => Promise<T>): Promise<T> {
    if (this.busy.has(id)) throw new ConflictError('upload', 'another request is writing this upload', { uuid: id });
    this.busy.add(id);
    try {
      return await work();
    } finally {
      this.busy.delete(id);
    }
  }
}

/**
 * The body as a stage passes it on (metered and hashed). Joined with `pipeline`, not `pipe`: a
 * body cut off mid-stream (the client went away) then fails the stage too, so the write ends,
 * the file is closed and the upload released, instead of waiting forever for an end that never comes.
 */
function joined(body: Readable, stage: Transform): Readable {
  pipeline(body, stage).catch(() => undefined);
  return stage;
}

/** The `Range` header of an upload: the inclusive range of bytes received so far. */
export function rangeHeader(size: number): string {
  return `0-${Math.max(size - 1, 0)}`;
}
