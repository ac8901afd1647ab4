import { Transform, type TransformCallback } from 'node:stream';

/**
 * Bytes per second per client, shared by all of that client's downloads at once: each chunk is
 * held until the time the client's bytes up to its end are due (a second concurrent pull halves the
 * speed of both, rather than doubling the client's share). At most `maxClients` are remembered,
 * the least recently active forgotten first, in constant time per chunk.
 */
export class ClientBandwidth {
  /** Client → when its bytes sent so far are due; ordered by last activity. */
  private readonly due = new Map<string, number>();

  constructor(
    private readonly bytesPerSecond: number,
    private readonly maxClients: number,
  ) {}

  /** A pass-through that paces `client`'s bytes. */
  stream(client: string): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding, done: TransformCallback) => {
        const wait = this.reserve(client, chunk.length);
        if (wait <= 0) done(null, chunk);
        else setTimeout(() => done(null, chunk), wait);
      },
    });
  }

  /** Books `bytes` for `client`; answers how long to hold them, in ms. */
  private reserve(client: string, bytes: number): number {
    const now = Date.now();
    const previous = this.due.get(client);
    this.due.delete(client);
    while (this.due.size >= this.maxClients) {
      const oldest = this.due.keys().next().value;
      if (oldest === undefined) break;
      this.due.delete(oldest);
    }
    // An idle client starts now: the time it did not use is not saved up as a burst.
    const start = previous !== undefined && previous > now ? previous : now;
    const until = start + (bytes / this.bytesPerSecond) * 1000;
    this.due.set(client, until);
    // Held until its own bytes are due, not only the ones before it: a large first chunk is no burst.
    return until - now;
  }
}
