import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Database } from '../db/index.js';
import { formatBytes, StorageFullError } from '../errors/index.js';
import type { StorageDriver } from './driver.js';

/**
 * Bytes an unprivileged writer may still use on the file system holding `path`. A directory
 * not made yet (a fresh blob root) is measured at the nearest one that exists.
 */
export async function freeBytesAt(path: string): Promise<number> {
  let current = path;
  for (;;) {
    try {
      const stats = await statfs(current);
      return stats.bavail * stats.bsize;
    } catch (err) {
      const parent = dirname(current);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === current) throw err;
      current = parent;
    }
  }
}

/** Where the registry stores on this machine's disks: readiness reports each as its own component. */
export type SpacePlace = 'storage' | 'database';

export interface SpaceShortage {
  place: SpacePlace;
  free: number;
  minimum: number;
  /** For operators and clients: "12.0 MiB free for blobs, below the 256.0 MiB minimum". */
  reason: string;
}

export interface FreeSpaceGuardOptions {
  storage: StorageDriver;
  database: Database;
  /** New content is refused while less than this is free; 0 turns the guard off. */
  minFreeBytes: number;
  /** How long a measurement is reused: statfs is cheap, but not free on every request. */
  cacheMs?: number;
}

const WHAT: Record<SpacePlace, string> = { storage: 'for blobs', database: 'for the database' };

/**
 * Refuses new content before a disk is full, so what frees space (deletes, GC and the few
 * database rows they write) still finds room. Measures the blob store and, for SQLite, the
 * database's directory; PostgreSQL's disk is the server's, and its disk_full error is mapped
 * to the same 507 when it happens.
 */
export class FreeSpaceGuard {
  private readonly cacheMs: number;
  private measured: { at: number; shortages: Promise<SpaceShortage[]> } | undefined;

  constructor(private readonly options: FreeSpaceGuardOptions) {
    this.cacheMs = options.cacheMs ?? 1000;
  }

  /** The places below the minimum, measured at most once per cache period. */
  shortages(): Promise<SpaceShortage[]> {
    if (this.options.minFreeBytes <= 0) return Promise.resolve([]);
    const now = performance.now();
    if (!this.measured || now - this.measured.at >= this.cacheMs) {
      const shortages = this.measure();
      // A failed measurement is not kept: the next caller measures again.
      shortages.catch(() => {
        if (this.measured?.shortages === shortages) this.measured = undefined;
      });
      this.measured = { at: now, shortages };
    }
    return this.measured.shortages;
  }

  /** Throws StorageFullError while a place is below the minimum: call before accepting new content. */
  async assertRoom(): Promise<void> {
    const [first] = await this.shortages();
    if (first)
      throw new StorageFullError(`${first.reason}; deleting artifacts and running garbage collection frees space`, { free: first.free, minimum: first.minimum });
  }

  private async measure(): Promise<SpaceShortage[]> {
    const { storage, database, minFreeBytes } = this.options;
    // Measured one after the other: a failed measurement ends this one, and a second started
    // beside it would fail unheard (an unhandled rejection ends the process).
    const places: Array<[SpacePlace, () => Promise<number | undefined>]> = [['storage', () => storage.freeBytes()]];
    const file = database.file;
    if (file !== undefined) places.push(['database', () => freeBytesAt(dirname(file))]);
    const shortages: SpaceShortage[] = [];
    for (const [place, measure] of places) {
      const free = await measure();
      if (free === undefined || free >= minFreeBytes) continue;
      shortages.push({ place, free, minimum: minFreeBytes, reason: `${formatBytes(free)} free ${WHAT[place]}, below the ${formatBytes(minFreeBytes)} minimum` });
    }
    return shortages;
  }
}
