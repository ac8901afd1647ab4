import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Blob bytes between scavenges. Every socket read and file read gives a fresh buffer whose memory
 * lies outside the JavaScript heap; they die young, but V8 collects for them only when tens of
 * MiB of them are outstanding, and malloc keeps what they held once it is freed. A scavenge every
 * few MiB of blob bytes frees them while they are few, so a push or pull of any size peaks near
 * this much above idle instead of tens of MiB above it. A scavenge of a heap of dead buffers
 * costs well under a millisecond.
 */
const SCAVENGE_EVERY_BYTES = 4 * 1024 * 1024;

/** `gc()` is a full, compacting collection; `gc({ type: 'minor' })` a scavenge. */
type Collect = (options?: { type: 'minor' }) => void;

let collect: Collect | null | undefined;
let pending = 0;

/** V8's collector, reachable only once it is exposed; null where the flag cannot be set. */
function collector(): Collect | null {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as Collect;
    } catch {
      collect = null;
    }
  }
  return collect;
}

/** Counts blob bytes that passed through fresh buffers, and scavenges every {@link SCAVENGE_EVERY_BYTES}. */
export function noteBlobBytes(bytes: number): void {
  pending += bytes;
  if (pending < SCAVENGE_EVERY_BYTES) return;
  pending = 0;
  collector()?.({ type: 'minor' });
}

/**
 * Heap settings for a long-running server, set as `berth serve` starts (V8 reads them at every
 * collection, so they apply from the next one on). The old generation may grow to 1.3 × what
 * stays alive before a major collection, not V8's default of up to 4 ×, which for Berth's ~30 MiB of live heap would
 * let tens of MiB of dead request objects pile up under load; the measured cost is no loss of
 * manifest GET throughput. An instance that goes idle is compacted after 1 s instead of 8.
 */
export function tuneHeapForServer(): void {
  setFlagsFromString('--heap-growing-percent=30');
  setFlagsFromString('--gc-memory-reducer-start-delay-ms=1000');
}

/**
 * One compacting collection once the server is up. Loading the modules and preparing the
 * database leave the old generation at about one and a half times what stays alive, and V8
 * keeps that size until a memory-reducing collection, which an instance that goes straight to
 * work may not have for a long while: its limits for later growth are then set from the
 * inflated size. Takes some tens of milliseconds, before the first request is likely.
 */
export function compactAfterStart(): void {
  collector()?.();
}
