import type { FastifyInstance, RouteOptions } from 'fastify';

/** One registered route as the OpenAPI document needs it. */
export interface CatalogedRoute {
  method: string;
  /** The full URL pattern, Fastify style (`/api/v2.0/projects/:project_name_or_id`). */
  url: string;
  schema?: RouteOptions['schema'];
}

/**
 * Every route the app registers, recorded by an onRoute hook on the root instance. Fastify has
 * no public list of routes, and the hook only sees routes registered after it, so it must be
 * installed before any feature registers its routes.
 */
export class RouteCatalog {
  private readonly routes: CatalogedRoute[] = [];

  record(route: CatalogedRoute): void {
    this.routes.push(route);
  }

  list(): readonly CatalogedRoute[] {
    return this.routes;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    berthRouteCatalog: RouteCatalog;
  }
}

export function installRouteCatalog(app: FastifyInstance): void {
  if (app.hasDecorator('berthRouteCatalog')) return;
  const catalog = new RouteCatalog();
  app.decorate('berthRouteCatalog', catalog);
  app.addHook('onRoute', (options) => {
    const methods = Array.isArray(options.method) ? options.method : [options.method];
    for (const method of methods) catalog.record({ method: String(method).toUpperCase(), url: options.url, schema: options.schema });
  });
}

/** The catalog of the app this instance (or any of its encapsulated scopes) belongs to. */
export function routeCatalogOf(instance: FastifyInstance): RouteCatalog | undefined {
  return instance.hasDecorator('berthRouteCatalog') ? instance.berthRouteCatalog : undefined;
}
