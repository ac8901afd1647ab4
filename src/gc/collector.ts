import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import type { Database, Dialect, Executor } from '../platform/db/index.js';
import { mergeExtraAttrs } from '../platform/jobs/index.js';
import { parseDigest } from '../platform/lib/index.js';
import { parentIndexes, type ContentService } from '../content/index.js';
import { PreconditionFailedError } from '../platform/errors/index.js';
import { blobPath, type StorageDriver } from '../platform/storage/index.js';
import { planUntagged, type Doomed } from './plan.js';
import * as repo from './repo.js';

export interface GcOptions {
  deleteUntagged: boolean;
  dryRun: boolean;
  /** Epoch ms: content linked or pushed at or after it is in the grace window and stays. */
  cutoff: number;
  batchSize: number;
  /** Rest after each batch, relative to the batch's time (see config gc.pauseFactor). */
  pauseFactor: number;
}

/** What a run deleted (or, dry, would delete); kept in the execution's extra_attrs. */
export interface GcProgress {
  deleted_untagged: number;
  purged_blobs: number;
  purged_manifests: number;
  freed_space: number;
}

export const NO_PROGRESS: GcProgress = { deleted_untagged: 0, purged_blobs: 0, purged_manifests: 0, freed_space: 0 };

export interface GcRun {
  database: Database;
  /** Untagged artifacts go through content's one deletion rule, like every other deletion. */
  content: ContentService;
  storage: StorageDriver;
  now(): number;
  executionId: number;
  /** Counts from an earlier attempt of the same execution (a crashed worker), continued from. */
  progress: GcProgress;
  signal: AbortSignal;
  log(line: string): Promise<void>;
}

/** Blob rows weighed per query in the sweep: bounded, so the database is never busy long with one. */
const SCAN_WINDOW = 2000;

class Stopped extends Error {
  constructor() {
    super('garbage collection stopped');
  }
}

/**
 * Online garbage collection: mark and sweep over the database, never walking storage, while
 * the registry keeps taking pushes.
 *
 * 1. `delete_untagged`: untagged artifacts (see plan.ts) go through the registry's own
 *    content's deleteArtifacts (with what goes with them), so project quotas stay exact, their
 *    manifest digests are recorded in `deleted_manifests`, and each gets its event and audit row.
 * 2. Manifests: a digest in `deleted_manifests` that no artifact has and no index lists any
 *    more loses its bytes (unless it also has a `blobs` row: step 3 owns those).
 * 3. Blobs: a `blobs` row no artifact references, that is no artifact's manifest, and whose
 *    repository links are all older than the grace window, goes with its bytes and links.
 *
 * Each batch is one short transaction that locks its rows (FOR UPDATE on PostgreSQL; SQLite
 * serialises writers), checks the rule again with fresh statements, deletes the bytes
 * *before* committing and then the rows, and records the counts. A push that needs one of
 * these rows locks it too (registry/manifests.ts, registry/uploads.ts): it either waits for
 * the sweep and sees the row gone (refused, or the bytes put back), or the sweep waits for
 * it and sees the new reference. Every step recomputes what is left from the database, so
 * a run that dies half way is simply run again by the job service and finishes.
 *
 * A dry run takes the same path without deleting: step 1's artifacts are counted and then
 * ignored as references in steps 2 and 3, so it reports what a real run would delete.
 */
export async function collectGarbage(run: GcRun, options: GcOptions): Promise<GcProgress> {
  const progress = { ...run.progress };
  const { dialect } = run.database;
  const { db } = run.database;

  // GC paces itself: after each piece of work it rests `pauseFactor` times as long (4 by
  // default), so it takes at most a fifth of the database's time (on SQLite, of its one
  // connection) and the registry's pushes and pulls keep the rest.
  let workStarted = performance.now();
  // Read-only mode refuses a run that deletes, at its start and at every batch after (it may be turned on mid-run).
  const mayDelete = (): Promise<void> => (options.dryRun ? Promise.resolve() : run.content.assertMayChange());
  await mayDelete();
  const checkpoint = async (): Promise<void> => {
    if (run.signal.aborted) throw new Stopped();
    await mayDelete();
    const worked = performance.now() - workStarted;
    if (worked > 0.5 && options.pauseFactor > 0) await sleep(Math.min(worked * options.pauseFactor, 5000));
    else await yieldToEventLoop();
    if (run.signal.aborted) throw new Stopped();
    workStarted = performance.now();
  };
  const record = (trx: Executor) => mergeExtraAttrs(trx, 'executions', run.executionId, { ...progress }, run.now());

  // 1. Untagged artifacts.
  let ignoring = new Set<number>();
  const doomedDigests = new Map<string, number>();
  if (options.deleteUntagged) {
    const plan = await planUntagged(db, options.cutoff);
    if (options.dryRun) {
      ignoring = new Set(plan.map((d) => d.id));
      for (let i = 0; i < plan.length; i += 500) {
        const ids = plan.slice(i, i + 500).map((d) => d.id);
        const rows = await db.selectFrom('artifacts').select(['digest', 'manifest_size']).where('id', 'in', ids).execute();
        for (const r of rows) doomedDigests.set(r.digest, r.manifest_size);
      }
      progress.deleted_untagged = plan.length;
      await run.log(`dry run: ${plan.length} untagged artifacts would be deleted`);
    } else {
      for (let i = 0; i < plan.length; i += options.batchSize) {
        await checkpoint();
        const batch = plan.slice(i, i + options.batchSize);
        const deleted = await db.transaction().execute(async (trx) => {
          // The whole batch first, in id order as pushes lock them, before any quota row is touched.
          await repo.lockArtifacts(
            trx,
            batch.map((d) => d.id),
            dialect,
          );
          let count = 0;
          for (const doomed of batch) count += await deleteUntagged(trx, run.content, doomed, options.cutoff, dialect, run.now());
          progress.deleted_untagged += count;
          await record(trx);
          return count;
        });
        await run.log(`deleted ${deleted} untagged artifacts (${progress.deleted_untagged} so far)`);
      }
    }
  }

  // 2. Manifests of deleted artifacts.
  if (options.dryRun) {
    const seen = new Set<string>();
    const weigh = async (batch: Array<{ digest: string; size: number }>): Promise<void> => {
      const fresh = batch.filter((m) => !seen.has(m.digest));
      for (const m of fresh) seen.add(m.digest);
      const digests = fresh.map((m) => m.digest);
      const held = await repo.heldDigests(db, digests, ignoring, undefined);
      const owned = await repo.withBlobRows(db, digests);
      for (const m of fresh) {
        if (held.has(m.digest) || owned.has(m.digest)) continue;
        progress.purged_manifests++;
        progress.freed_space += m.size;
      }
    };
    const doomed = [...doomedDigests].map(([digest, size]) => ({ digest, size }));
    for (let i = 0; i < doomed.length; i += options.batchSize) await weigh(doomed.slice(i, i + options.batchSize));
    for (let after = ''; ;) {
      const batch = await repo.deletedManifestsAfter(db, after, options.batchSize);
      if (batch.length === 0) break;
      await weigh(batch);
      after = batch[batch.length - 1]!.digest;
      await checkpoint();
    }
  } else {
    for (let after = ''; ;) {
      await checkpoint();
      const batch = await repo.deletedManifestsAfter(db, after, options.batchSize);
      if (batch.length === 0) break;
      after = batch[batch.length - 1]!.digest;
      const purged = await db.transaction().execute(async (trx) => {
        const locked = await repo.lockDeletedManifests(
          trx,
          batch.map((m) => m.digest),
          dialect,
        );
        const digests = locked.map((m) => m.digest);
        const held = await repo.heldDigests(trx, digests, new Set(), undefined);
        const owned = await repo.withBlobRows(trx, digests);
        const garbage = locked.filter((m) => !held.has(m.digest) && !owned.has(m.digest));
        for (const m of garbage) await run.storage.delete(blobDir(m.digest));
        // Held ones are forgotten too: deleting their artifact again records them again.
        await repo.forgetDeletedManifests(trx, digests);
        progress.purged_manifests += garbage.length;
        progress.freed_space += garbage.reduce((sum, m) => sum + m.size, 0);
        await record(trx);
        return garbage;
      });
      if (purged.length > 0) await run.log(`deleted ${purged.length} manifests (${progress.purged_manifests} so far, ${progress.freed_space} bytes freed so far)`);
    }
  }

  // 3. Blobs, a window of rows at a time; the database picks out the garbage in each.
  for (let after = ''; ;) {
    await checkpoint();
    const upto = await repo.windowEnd(db, after, SCAN_WINDOW);
    const candidates =
      ignoring.size === 0
        ? await repo.garbageBlobsIn(db, after, upto, options.cutoff)
        : await garbageAmong(db, await repo.blobsIn(db, after, upto), ignoring, options.cutoff);
    for (let i = 0; i < candidates.length; i += options.batchSize) {
      const chunk = candidates.slice(i, i + options.batchSize);
      if (options.dryRun) {
        progress.purged_blobs += chunk.length;
        progress.freed_space += chunk.reduce((sum, b) => sum + b.size, 0);
        continue;
      }
      await checkpoint();
      const purged = await db.transaction().execute(async (trx) => {
        const locked = await repo.lockBlobs(
          trx,
          chunk.map((b) => b.digest),
          dialect,
        );
        const garbage = await garbageAmong(trx, locked, new Set(), options.cutoff);
        for (const b of garbage) await run.storage.delete(blobDir(b.digest));
        await repo.deleteBlobRows(
          trx,
          garbage.map((b) => b.digest),
        );
        progress.purged_blobs += garbage.length;
        progress.freed_space += garbage.reduce((sum, b) => sum + b.size, 0);
        await record(trx);
        return garbage;
      });
      if (purged.length > 0) await run.log(`deleted ${purged.length} blobs (${progress.purged_blobs} so far, ${progress.freed_space} bytes freed so far)`);
    }
    if (upto === undefined) break;
    after = upto;
  }

  await db.transaction().execute(record);
  if (options.dryRun) {
    await run.log(
      `dry run: ${progress.purged_blobs} blobs and ${progress.purged_manifests} manifests would be deleted, ${progress.freed_space} bytes would be freed`,
    );
  } else {
    await run.log(
      `${progress.deleted_untagged} untagged artifacts, ${progress.purged_blobs} blobs and ${progress.purged_manifests} manifests deleted, ${progress.freed_space} bytes freed`,
    );
  }
  return progress;
}

/** The blobs among `rows` that nothing holds and that are older than the grace window. */
async function garbageAmong(db: Executor, rows: repo.BlobRow[], ignoring: ReadonlySet<number>, cutoff: number): Promise<repo.BlobRow[]> {
  const old = rows.filter((b) => b.created_at < cutoff);
  const held = await repo.heldDigests(
    db,
    old.map((b) => b.digest),
    ignoring,
    cutoff,
  );
  return old.filter((b) => !held.has(b.digest));
}

/** Who the events and audit rows of GC's deletions name. */
const GC_ACTOR = { name: 'gc' };

/**
 * Deletes one planned artifact if the rule still holds now that its row is locked; answers
 * how many artifacts went with it (its accessories and orphaned children count too, and are
 * skipped when their own turn comes).
 */
async function deleteUntagged(trx: Executor, content: ContentService, doomed: Doomed, cutoff: number, dialect: Dialect, now: number): Promise<number> {
  const artifact = await repo.lockArtifact(trx, doomed.id, dialect);
  if (!artifact) return 0;
  if ((await parentIndexes(trx, artifact.repository_id, artifact.digest)).length > 0) return 0;
  const subjectStays = artifact.subject_digest !== null && (await repo.artifactExists(trx, artifact.repository_id, artifact.subject_digest));
  if (subjectStays) return 0;
  if (doomed.kind === 'root' && (artifact.push_time >= cutoff || (await repo.hasTag(trx, artifact.id)))) return 0;
  const repository = await trx.selectFrom('repositories').selectAll().where('id', '=', artifact.repository_id).executeTakeFirst();
  if (!repository) return 0;
  try {
    return (await content.deleteArtifactsIn(trx, repository, [artifact], GC_ACTOR, now)).length;
  } catch (err) {
    // An immutable tag on an accessory keeps the artifact: refused before anything was written.
    if (err instanceof PreconditionFailedError) return 0;
    throw err;
  }
}

/** The directory holding a blob's `data`: removed whole, so no empty directories pile up. */
function blobDir(digest: string): string {
  return blobPath(parseDigest(digest)).replace(/\/data$/, '');
}

export function isStopped(err: unknown): boolean {
  return err instanceof Stopped;
}
