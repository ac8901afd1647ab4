// SQL in routes.
import { sql } from 'kysely';

interface Db {
  selectFrom(table: string): { execute(): Promise<unknown[]> };
}

export async function listThings(db: Db): Promise<unknown[]> {
  void sql;
  return db.selectFrom('things').execute();
}
