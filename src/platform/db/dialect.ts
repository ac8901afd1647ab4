import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { Dialect, Executor } from './database.js';

// What differs between SQLite and PostgreSQL, in one place: features call these and never
// branch on the dialect themselves. SQLite has one writer at a time, so its row locks are no-ops.

/** A select that can take row locks (Kysely's SelectQueryBuilder). */
interface Lockable<Q> {
  forUpdate(): Q;
  forShare(): Q;
  skipLocked(): Q;
}

/** `select … for update` on PostgreSQL: the rows stay locked until the transaction ends. */
export function forUpdate<Q extends Lockable<Q>>(query: Q, dialect: Dialect): Q {
  return dialect === 'postgres' ? query.forUpdate() : query;
}

/** `select … for share` on PostgreSQL: the rows cannot change or go until the transaction ends. */
export function forShare<Q extends Lockable<Q>>(query: Q, dialect: Dialect): Q {
  return dialect === 'postgres' ? query.forShare() : query;
}

/** `select … for update skip locked` on PostgreSQL: concurrent claimers take different rows. */
export function forUpdateSkipLocked<Q extends Lockable<Q>>(query: Q, dialect: Dialect): Q {
  return dialect === 'postgres' ? query.forUpdate().skipLocked() : query;
}

/** The `for update skip locked` clause for a raw SQL select (empty on SQLite). */
export function forUpdateSkipLockedClause(dialect: Dialect): RawBuilder<unknown> {
  return dialect === 'postgres' ? sql`for update skip locked` : sql``;
}

/**
 * Serializes transactions that take the same named lock: on PostgreSQL a transaction-scoped
 * advisory lock, released at commit or rollback; SQLite's single writer serializes already.
 */
export async function lockForTransaction(executor: Executor, dialect: Dialect, name: string): Promise<void> {
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${name}))`.execute(executor);
}

/**
 * `column in (ids)` with the whole list as ONE parameter (a PostgreSQL array, or a JSON text on
 * SQLite): the SQL text is the same for every list (SQLite's statement cache) and no list
 * exceeds the drivers' parameter limits.
 */
export function inIdList(column: Expression<unknown>, ids: readonly number[], dialect: Dialect): RawBuilder<SqlBool> {
  if (dialect === 'postgres') return sql<SqlBool>`${column} = any(${[...ids]}::bigint[])`;
  return sql<SqlBool>`${column} in (select value from json_each(${JSON.stringify(ids)}))`;
}
