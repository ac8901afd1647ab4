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
const SCAVENGE_EVERY_BYTES = 8 * 1024 * 1024;

type Collect = (options: { type: 'minor' }) => void;

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
