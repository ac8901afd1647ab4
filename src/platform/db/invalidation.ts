import { sql } from 'kysely';
import type { Database, Listener } from './database.js';

/** What a cache holds; a change to one drops that cache on every instance. */
export type CacheTopic = 'memberships' | 'accounts' | 'projects';

const TOPICS = new Set<string>(['memberships', 'accounts', 'projects']);
/** How long a lost listening connection waits before it is opened again. */
const RECONNECT_MS = 1_000;

interface Log {
  warn(object: object, message: string): void;
}

/**
 * Tells the other instances on one PostgreSQL database that a cached thing changed, through
 * LISTEN/NOTIFY: each instance drops that cache when told, within the notification's round trip.
 * Caches keep their own short lifetimes as the bound when a message is lost (the listening
 * connection dropped): everything is dropped when it comes back. SQLite has one instance, so
 * there only the local caches are dropped.
 */
export class CacheInvalidation {
  private readonly handlers = new Map<CacheTopic, Array<() => void>>();
  private listener: Listener | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  private constructor(
    private readonly database: Database,
    private readonly channel: string,
    private readonly log: Log,
  ) {}

  /** Starts listening (PostgreSQL); the first connection must open, later losses are retried. */
  static async open(database: Database, log: Log): Promise<CacheInvalidation> {
    // One channel per schema: databases side by side on one server never drop each other's caches.
    const channel = `berth_cache_${database.schema ?? 'public'}`.slice(0, 63);
    const invalidation = new CacheInvalidation(database, channel, log);
    if (database.listen) await invalidation.connect();
    return invalidation;
  }

  /** `handler` runs whenever `topic` changes, here or on another instance. */
  on(topic: CacheTopic, handler: () => void): void {
    this.handlers.set(topic, [...(this.handlers.get(topic) ?? []), handler]);
  }

  /** Drops `topic`'s caches here at once, and on the other instances when they hear of it. */
  changed(topic: CacheTopic): void {
    this.run(topic);
    if (this.database.dialect !== 'postgres' || this.closed) return;
    // Not awaited: the change is committed already, and a lost message is bounded by the caches' lifetimes.
    sql`select pg_notify(${this.channel}, ${topic})`.execute(this.database.db).catch((err: unknown) => {
      this.log.warn({ err, topic }, 'could not tell other instances of a cache change');
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.listener?.close();
  }

  private run(topic: CacheTopic): void {
    for (const handler of this.handlers.get(topic) ?? []) handler();
  }

  private async connect(): Promise<void> {
    const listener = await this.database.listen!(this.channel, (payload) => {
      if (TOPICS.has(payload)) this.run(payload as CacheTopic);
    });
    if (this.closed) return listener.close();
    this.listener = listener;
    void listener.lost.then(() => this.reconnect());
  }

  private reconnect(): void {
    if (this.closed) return;
    this.listener = undefined;
    this.retry = setTimeout(() => {
      this.connect()
        .then(() => {
          // Whatever changed while nobody listened is unknown: drop everything.
          for (const topic of this.handlers.keys()) this.run(topic);
        })
        .catch((err: unknown) => {
          this.log.warn({ err }, 'cache change listener lost; retrying');
          this.reconnect();
        });
    }, RECONNECT_MS);
    this.retry.unref();
  }
}
