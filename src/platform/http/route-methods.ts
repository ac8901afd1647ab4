/** A registered route as the router knows it: a method and a Fastify URL pattern (`/a/:id/*`). */
export interface RoutePattern {
  method: string;
  url: string;
}

/** One segment of a pattern: a literal, a parameter (one non-empty segment) or a wildcard (the rest of the path). */
type Segment = { kind: 'literal'; text: string } | { kind: 'param' } | { kind: 'rest' };

interface CompiledRoute {
  method: string;
  segments: Segment[];
}

/**
 * Which methods the routes registered under a path answer. Fastify has no 405 of its own: when
 * no route matches, its not-found handler asks this whether the path is known under other
 * methods, to answer 405 with `Allow` rather than 404. Only requests that matched nothing pay
 * for the scan, which is linear in the number of routes and the path's segments.
 */
export class RouteMethods {
  private compiled: CompiledRoute[] | undefined;

  /** `routes` is read on first use: routes are fixed once the server serves requests. */
  constructor(private readonly routes: () => Iterable<RoutePattern>) {}

  /** The methods (upper case, in registration order) whose routes match `path` (no query string). */
  allowedAt(path: string): string[] {
    this.compiled ??= [...this.routes()].map((route) => ({ method: route.method.toUpperCase(), segments: compile(route.url) }));
    const parts = path.split('/');
    const methods = new Set<string>();
    for (const route of this.compiled) if (!methods.has(route.method) && matches(route.segments, parts)) methods.add(route.method);
    return [...methods];
  }
}

function compile(url: string): Segment[] {
  return url.split('/').map((text): Segment => {
    if (text === '*') return { kind: 'rest' };
    if (text.startsWith(':')) return { kind: 'param' };
    return { kind: 'literal', text };
  });
}

function matches(segments: readonly Segment[], parts: readonly string[]): boolean {
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment === undefined) return false;
    if (segment.kind === 'rest') return true;
    const part = parts[i];
    if (part === undefined) return false;
    if (segment.kind === 'param' ? part === '' : part !== segment.text) return false;
  }
  return segments.length === parts.length;
}
