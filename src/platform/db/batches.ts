/**
 * How many values one `IN (…)` list or one multi-row insert carries at most. SQLite allows
 * 32,766 bound variables per statement and PostgreSQL 65,535; a list a client controls
 * (a manifest's descriptors) is sent in batches of this size instead.
 */
export const IN_LIST_BOUND = 500;

/** The distinct values, in batches of at most `size`. */
export function inBatches<T>(values: Iterable<T>, size = IN_LIST_BOUND): T[][] {
  const distinct = [...new Set(values)];
  const batches: T[][] = [];
  for (let i = 0; i < distinct.length; i += size) batches.push(distinct.slice(i, i + size));
  return batches;
}
