import { sql } from 'kysely';
import type { Executor } from '../db/index.js';

/**
 * A column whose values are sealed by the SecretBox ('' when there is no secret). Features
 * declare theirs in their module, so the start-up check and key rotation find every one.
 */
export interface SealedColumn {
  table: string;
  /** The row's key column. */
  key: string;
  column: string;
  /** What the values are, for people: "scanner registration credentials". */
  label: string;
}

export interface SealedValue {
  key: string | number;
  value: string;
}

/** Every non-empty value of a sealed column. */
export async function sealedValues(db: Executor, column: SealedColumn): Promise<SealedValue[]> {
  const result =
    await sql<SealedValue>`select ${sql.ref(column.key)} as key, ${sql.ref(column.column)} as value from ${sql.table(column.table)} where ${sql.ref(column.column)} <> ''`.execute(
      db,
    );
  return result.rows;
}

/** One stored secret of any of the columns, to tell whether a key opens what is stored. */
export async function anySealedValue(db: Executor, columns: readonly SealedColumn[]): Promise<{ column: SealedColumn; value: string } | undefined> {
  for (const column of columns) {
    const result = await sql<{
      value: string;
    }>`select ${sql.ref(column.column)} as value from ${sql.table(column.table)} where ${sql.ref(column.column)} <> '' limit 1`.execute(db);
    const first = result.rows[0];
    if (first) return { column, value: first.value };
  }
  return undefined;
}

export async function writeSealedValue(db: Executor, column: SealedColumn, key: string | number, value: string): Promise<void> {
  await sql`update ${sql.table(column.table)} set ${sql.ref(column.column)} = ${value} where ${sql.ref(column.key)} = ${key}`.execute(db);
}
