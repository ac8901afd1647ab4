import type { FastifyInstance } from 'fastify';
import { ApiError } from '../platform/errors/index.js';
import { RouteMethods, type RoutePattern } from '../platform/http/index.js';
import { installApiAuthentication, type ApiDeps } from './context.js';

export * from './context.js';
export { authorizedArtifact, type ArtifactParams } from './artifact.js';
export { parsePaging, setPagingHeaders, type Paging } from '../platform/http/index.js';
export { repositoryParam } from '../platform/http/index.js';
export { anyOfValues, parseQuery, parseQueryConditions, type Query, type QueryCondition, type QueryFields, type QueryTerm } from '../platform/http/index.js';

/** A feature's management API routes, registered inside the authenticated /api/v2.0 scope. */
export type ApiFeature = (scope: FastifyInstance, deps: ApiDeps) => void | Promise<void>;

/**
 * The /api/v2.0 scope: authentication, every feature's routes, and Harbor's answers for what
 * matches no route. `routes` lists every route the app registers, to tell a path known under
 * other methods (405 with `Allow`) from an unknown one (404).
 */
export async function registerApi<Deps extends ApiDeps>(
  app: FastifyInstance,
  deps: Deps,
  features: ReadonlyArray<(scope: FastifyInstance, deps: Deps) => void | Promise<void>>,
  routes: () => Iterable<RoutePattern>,
): Promise<void> {
  const known = new RouteMethods(routes);
  await app.register(
    async (scope) => {
      installApiAuthentication(scope, deps);
      for (const feature of features) await feature(scope, deps);
      // Harbor's wording (go-openapi's, in Harbor's envelope), so scripts matching on it keep working.
      scope.setNotFoundHandler(async (request, reply) => {
        const path = request.url.split('?', 1)[0] ?? request.url;
        const allowed = known.allowedAt(path);
        if (allowed.length === 0) throw new ApiError('NOT_FOUND', `path ${path} was not found`);
        reply.header('allow', allowed.join(', '));
        throw new ApiError('METHOD_NOT_ALLOWED', `method ${request.method} is not allowed, but [${allowed.join(',')}] are`);
      });
    },
    { prefix: '/api/v2.0' },
  );
}
