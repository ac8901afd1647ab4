import { Transform, type TransformCallback } from 'node:stream';

/**
 * Passes bytes through at no more than `bytesPerSecond` on average (Harbor's replication `speed`
 * and proxy cache `proxy_speed_kb`, both given in KiB/s): each chunk is held until the time its
 * bytes are due has come.
 */
export function throttled(bytesPerSecond: number): Transform {
  const started = Date.now();
  let passed = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      passed += chunk.length;
      const due = started + (passed / bytesPerSecond) * 1000;
      const wait = due - Date.now();
      if (wait <= 0) done(null, chunk);
      else setTimeout(() => done(null, chunk), wait);
    },
  });
}
