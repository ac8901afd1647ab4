import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';

/**
 * `column contains text`, case-insensitive, with `%` and `_` in the text taken literally.
 * `!` is the escape character: a backslash reads differently across engines and settings.
 */
export function containsIgnoringCase(column: Expression<unknown>, text: string): RawBuilder<SqlBool> {
  const pattern = `%${text.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
  return sql<SqlBool>`lower(${column}) like ${pattern} escape '!'`;
}
