/**
 * Where a replicated repository lands, as Harbor computes it from `dest_namespace` and
 * `dest_namespace_replace_count`:
 *
 * - no namespace: the name is kept (`library/app` → `library/app`), less its first `count`
 *   components when a count is given;
 * - count -1 (legacy, the default): the namespace replaces the first component
 *   (`library/tools/app` → `ns/tools/app`);
 * - count 0: the namespace is put in front (`library/app` → `ns/library/app`);
 * - count n: the namespace replaces the first n components, and the last one (the repository's
 *   own name) is always kept (`a/b/c/app` with 2 → `ns/c/app`, with 9 → `ns/app`).
 */
export function destinationRepository(source: string, namespace: string, replaceCount: number): string {
  const parts = source.split('/');
  const ns = namespace.trim().replace(/^\/+|\/+$/g, '');
  const count = replaceCount < 0 ? (ns ? 1 : 0) : replaceCount;
  const kept = parts.slice(Math.min(count, parts.length - 1));
  return ns ? [ns, ...kept].join('/') : kept.join('/');
}
