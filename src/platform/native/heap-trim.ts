import { nativeModule } from './load.js';

/** How often malloc's free pages are given back, at most. */
export const TRIM_INTERVAL_MS = 1000;

/** A trim may take at most this share of the time: one that ran long waits that much longer. */
const MAX_SHARE = 0.01;

/**
 * Returns malloc's free pages to the kernel every {@link TRIM_INTERVAL_MS}. Every socket read and
 * most file reads land in a Buffer that malloc serves from its heap; a collection frees them, but
 * malloc keeps the freed chunks resident between live ones, so under load the process's memory
 * climbs to the most that was ever outstanding and stays there (measured after a push: 17 MiB of
 * a 27 MiB heap free and resident). A trim took at most 0.6 ms on the event loop there, and tens
 * of microseconds when there is little to give back; in the bench, manifest GETs at about 11,000
 * a second were as fast with it as without. A trim walks the whole heap, so should one ever take
 * longer (a far larger heap), the next waits until the trims take at most 1% of the time.
 * Nothing where the native module is not built.
 *
 * Returns the function that stops it.
 */
export function trimHeapEverySecond(): () => void {
  const native = nativeModule();
  if (!native) return () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (delay: number): void => {
    timer = setTimeout(trim, delay);
    // Never what keeps a process alive.
    timer.unref();
  };
  const trim = (): void => {
    const started = performance.now();
    native.trimHeap();
    schedule(Math.max(TRIM_INTERVAL_MS, (performance.now() - started) / MAX_SHARE));
  };
  schedule(TRIM_INTERVAL_MS);
  return () => clearTimeout(timer);
}
