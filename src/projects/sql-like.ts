/** The escape character for LIKE patterns; both engines accept an explicit ESCAPE clause. */
export const LIKE_ESCAPE = '\\';

/** A LIKE pattern matching values that contain `text` literally (its % and _ are not wildcards). */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
