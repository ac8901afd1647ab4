import type { FastifyInstance } from 'fastify';
import { apiCaller, requireAuthenticated, requireSystem, type ApiFeature } from '../api/index.js';
import { VERSION } from '../system/index.js';
import { routeCatalogOf } from './catalog.js';
import { DOCS_PAGE } from './docs-page.js';
import { buildOpenApiDocument, type OpenApiDocument } from './document.js';
import { RESPONSE_SHAPES } from './response-shapes.js';
import { statisticsFor } from './statistics.js';
import { externalUrl, generalInfo, volumes } from './system-info.js';

/**
 * Berth's own OpenAPI document and its docs page (public), and Harbor's small system
 * endpoints: ping, systeminfo, volumes and statistics.
 */
export const openapiApi: ApiFeature = (scope, deps) => {
  let document: OpenApiDocument | undefined;

  scope.get('/swagger.json', async () => {
    // Routes are fixed once the server is listening, so the first request builds it for good.
    document ??= buildOpenApiDocument(routeCatalogOf(scope)?.list() ?? [], VERSION, RESPONSE_SHAPES);
    return document;
  });

  scope.get('/docs', async (_request, reply) => {
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")
      .send(DOCS_PAGE);
  });

  scope.get('/ping', async (_request, reply) => {
    reply.type('text/plain; charset=utf-8').send('Pong');
  });

  scope.get('/systeminfo', async (request) =>
    generalInfo({
      identity: apiCaller(request).identity,
      version: VERSION,
      settings: await deps.settings.get(),
      externalUrl: externalUrl(deps.config, request),
      storageName: deps.storage.name,
      now: new Date(deps.clock.now()),
    }),
  );

  scope.get('/systeminfo/volumes', async (request) => {
    requireSystem(request, deps.access, 'system-volumes', 'read');
    return volumes(deps.config.dataDir);
  });

  scope.get('/statistics', async (request) => {
    const caller = requireAuthenticated(request);
    return statisticsFor(deps, caller.identity);
  });
};

/** Harbor's `GET /api/version`, outside /api/v2.0: which API version the server speaks. Clients probe it before choosing a base path. */
export function apiVersionRoute(app: FastifyInstance): void {
  app.get('/api/version', async () => ({ version: 'v2.0' }));
}
