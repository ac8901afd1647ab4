import type * as Pg from 'pg';

/** The PostgreSQL driver, loaded when a PostgreSQL database is first opened: SQLite, the default, never needs it. */
let pg: typeof Pg | undefined;

export async function loadPg(): Promise<typeof Pg> {
  pg ??= await import('pg');
  return pg;
}
