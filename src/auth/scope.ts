/** One `type:name:actions` scope of a token request, as Harbor and distribution parse it. */
export interface ResourceScope {
  type: string;
  name: string;
  actions: string[];
}

/**
 * Parses scope parameters. Each value may hold several space-separated scopes; the name
 * may itself contain colons (`repository:host:5000/lib/img:pull`), so the type is the first
 * part, the actions the last, and the name everything between.
 */
export function parseScopes(values: readonly string[]): ResourceScope[] {
  const scopes: ResourceScope[] = [];
  for (const value of values) {
    for (const item of value.split(' ')) {
      if (!item) continue;
      const parts = item.split(':');
      if (parts.length < 3) {
        scopes.push({ type: parts[0] ?? '', name: parts[1] ?? '', actions: [] });
        continue;
      }
      const actions = (parts[parts.length - 1] ?? '').split(',').filter((a) => a.length > 0);
      scopes.push({ type: parts[0] ?? '', name: parts.slice(1, -1).join(':'), actions });
    }
  }
  return scopes;
}
