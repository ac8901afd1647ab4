import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../platform/clock.js';
import type { Database } from '../platform/db/index.js';
import type { ProxyLog } from './deps.js';
import { claimFetch, deleteLapsedFetches, fetchHeldUntil, releaseFetch, renewFetch } from './repo.js';

/**
 * How long a fetch is held past its last renewal: an instance that dies mid-fetch keeps the
 * others waiting this long at most before one of them takes the fetch over.
 */
export const HOLD_MS = 15_000;
/** A live fetch renews its hold this often (a third of the hold: two renewals may be late). */
const RENEW_MS = 5_000;
/** How often an instance waiting on another's fetch looks whether it ended. */
const POLL_MS = 250;
/**
 * How long a pull waits on another instance's fetch at most, however long that one keeps its
 * hold (a big blob from a slow upstream): then it fetches for itself.
 */
const PATIENCE_MS = 5 * 60_000;
/** Holds that ran out this long ago are deleted, at most this often (by any instance that fetches). */
const SWEEP_MS = 60 * 60_000;

/** What `once` answers when another instance did the work: what it fetched is in content now. */
export const READY = Symbol('ready');

/** A fetch held in the database: renewed while it makes progress, released when it ends. */
export interface FetchHold {
  /** Renews the hold every few seconds until released, while `progressing()` says so (always, without it). */
  keep(progressing?: () => boolean): void;
  /** Lets the fetch go: an instance waiting for it looks in content, and fetches itself if it is not there. */
  release(): Promise<void>;
}

const UNHELD: FetchHold = { keep: () => undefined, release: async () => undefined };

/**
 * One fetch from the upstream at a time per key across every instance on the database (each
 * instance shares its own callers' fetches itself). The instance that claims the key fetches;
 * the others wait for it to let go, then find the result in content (`ready`), or claim the key
 * themselves when it is not there (the fetch failed, or its instance died and its hold ran out).
 * On SQLite there is one instance: the claim always succeeds and costs two small writes.
 */
export class UpstreamFetches {
  private swept = 0;

  constructor(private readonly deps: { database: Database; clock: Clock; log: ProxyLog }) {}

  /**
   * Runs `work` with the key held (it must release the hold when its fetch ends, which may be
   * after it answers), or answers READY once another instance's fetch put the result in content.
   */
  async once<T>(key: string, ready: () => Promise<boolean>, work: (hold: FetchHold) => Promise<T>): Promise<T | typeof READY> {
    const patience = Date.now() + PATIENCE_MS;
    for (;;) {
      const hold = await this.claim(key);
      if (hold) {
        // The previous holder may have finished between the caller's look in content and the claim.
        const done = await ready().catch(async (error: unknown) => {
          await hold.release();
          throw error;
        });
        if (done) {
          await hold.release();
          return READY;
        }
        return work(hold);
      }
      await this.released(key, patience);
      if (await ready()) return READY;
      if (Date.now() >= patience) return work(UNHELD);
    }
  }

  private async claim(key: string): Promise<FetchHold | undefined> {
    const { database, clock, log } = this.deps;
    const holder = randomUUID();
    const now = clock.now();
    if (now - this.swept >= SWEEP_MS) {
      this.swept = now;
      void deleteLapsedFetches(database.db, now - SWEEP_MS).catch((error: unknown) => log.warn({ err: error }, 'proxy cache could not forget lapsed fetches'));
    }
    if (!(await claimFetch(database.db, key, holder, now, now + HOLD_MS))) return undefined;
    let timer: NodeJS.Timeout | undefined;
    let released = false;
    return {
      keep(progressing = () => true) {
        if (timer || released) return;
        timer = setInterval(() => {
          if (!progressing()) return;
          renewFetch(database.db, key, holder, clock.now() + HOLD_MS).then(
            (kept) => {
              if (!kept) clearInterval(timer);
            },
            (error: unknown) => log.warn({ err: error, key }, 'proxy cache could not renew its hold on a fetch'),
          );
        }, RENEW_MS);
        timer.unref();
      },
      async release() {
        if (released) return;
        released = true;
        clearInterval(timer);
        // Unreleased, the hold runs out by itself.
        await releaseFetch(database.db, key, holder).catch((error: unknown) => log.warn({ err: error, key }, 'proxy cache could not release its hold on a fetch'));
      },
    };
  }

  /** Resolves when nobody holds `key` any more (released, or the hold ran out), or patience runs out. */
  private async released(key: string, patience: number): Promise<void> {
    for (;;) {
      const until = await fetchHeldUntil(this.deps.database.db, key);
      if (until === undefined || until < this.deps.clock.now() || Date.now() >= patience) return;
      await sleep(POLL_MS);
    }
  }
}
