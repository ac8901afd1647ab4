import type * as Pg from 'pg';

/** The PostgreSQL driver, loaded when a PostgreSQL database is first opened: SQLite, the default, never needs it. */
export function loadPg(): Promise<typeof Pg> {
  return import('pg');
}
