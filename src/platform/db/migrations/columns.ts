import { sql, type ColumnDefinitionBuilder, type RawBuilder } from 'kysely';
import type { Dialect } from '../database.js';

/** Column spellings that differ between the engines, shared by every migration. */
export function columnsFor(dialect: Dialect): {
  /** The type of an autoincrementing key: SQLite only autoincrements an INTEGER PRIMARY KEY. */
  id: 'bigserial' | 'integer';
  primaryId: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
  /** Names sort bytewise on both engines, so paging by name agrees everywhere. */
  name: RawBuilder<unknown>;
} {
  const postgres = dialect === 'postgres';
  return {
    id: postgres ? 'bigserial' : 'integer',
    primaryId: (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()),
    name: postgres ? sql`varchar(255) collate "C"` : sql`varchar(255)`,
  };
}
