import { forUpdateSkipLocked, type Database, type Executor, type OutboxEventRow } from '../db/index.js';

export type OutboxEvent = OutboxEventRow;

/** Runs in the transaction that marks the events dispatched: what it enqueues commits with that mark. */
export type EventConsumer = (trx: Executor, events: readonly OutboxEvent[], now: number) => Promise<void>;

const BATCH = 200;

/**
 * The outbox: every change writes an event row in its own transaction; this hands each event
 * to every consumer exactly once, across instances (PostgreSQL skips rows another instance
 * holds), in the order they were written.
 */
export class EventDispatcher {
  private readonly consumers = new Map<string, EventConsumer>();

  constructor(private readonly database: Database) {}

  subscribe(name: string, consumer: EventConsumer): void {
    if (this.consumers.has(name)) throw new Error(`event consumer ${name} is already subscribed`);
    this.consumers.set(name, consumer);
  }

  /** Dispatches what is pending; answers how many events were handed on. */
  async dispatch(now: number): Promise<number> {
    let total = 0;
    for (;;) {
      const count = await this.database.db.transaction().execute(async (trx) => {
        const query = forUpdateSkipLocked(trx.selectFrom('events').selectAll().where('dispatched', '=', 0).orderBy('id').limit(BATCH), this.database.dialect);
        const events = await query.execute();
        if (events.length === 0) return 0;
        for (const consumer of this.consumers.values()) await consumer(trx, events, now);
        await trx
          .updateTable('events')
          .set({ dispatched: 1 })
          .where(
            'id',
            'in',
            events.map((e) => e.id),
          )
          .execute();
        return events.length;
      });
      total += count;
      if (count < BATCH) return total;
    }
  }
}
