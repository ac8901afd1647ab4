import { causes } from './causes.js';

/**
 * PostgreSQL's SQLSTATEs for a server that cannot serve now: connection exceptions (class 08),
 * shutting down or starting up (57P01–57P03), and out of connection slots (53300).
 */
const POSTGRES_UNAVAILABLE = /^(08...|57P0[123]|53300)$/;

/** SQLite kept locked by another process past the busy timeout. */
const SQLITE_UNAVAILABLE = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_TIMEOUT', 'SQLITE_LOCKED']);

/** The database server refusing or dropping the connection, as the socket reports it. */
const NETWORK_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** What pg's client says, without a code, when its connection ends under a query or cannot be made in time. */
const PG_CLIENT_MESSAGES = [/^Connection terminated/, /^timeout exceeded when trying to connect$/];

/**
 * Whether an error that reached the top of a request says the database could not be reached or
 * used for a moment (a PostgreSQL restart or failover, its connection slots used up, SQLite held
 * by another process): the registry's condition, answered 503 so that clients try again, not a
 * bug. Looks through `cause` too, where a wrapper keeps the original.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (const current of causes(err)) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (POSTGRES_UNAVAILABLE.test(code) || SQLITE_UNAVAILABLE.has(code) || NETWORK_UNAVAILABLE.has(code))) return true;
    if (code === undefined && typeof message === 'string' && PG_CLIENT_MESSAGES.some((pattern) => pattern.test(message))) return true;
  }
  return false;
}
