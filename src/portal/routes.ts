import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_PORTAL_DIRECTORY, PortalFiles, type PortalFile } from './static-files.js';

export interface PortalDeps {
  config: { portal: { directory?: string | undefined } };
}

/** Paths that belong to the server's APIs: an unknown one there keeps its API's 404, never the portal page. */
const API_PREFIXES = ['/api', '/v2', '/c', '/service', '/chartrepo', '/livez', '/readyz', '/metrics', '/assets'];

function isApiPath(path: string): boolean {
  return API_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

const MISSING = 'Berth is running, but its web portal is not built here. Run `npm run build` (npm ci does it) in the checkout, or use the API at /api/v2.0.\n';

/** The page runs only its own scripts; antd writes its styles into style elements at run time. */
const PAGE_POLICY = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

function send(reply: FastifyReply, file: PortalFile): FastifyReply {
  reply.type(file.type).header('cache-control', file.cacheControl).header('x-content-type-options', 'nosniff');
  if (file.type.startsWith('text/html')) reply.header('content-security-policy', PAGE_POLICY).header('x-frame-options', 'DENY');
  return reply.send(file.body);
}

/**
 * The web portal at `/`: its built files, and index.html for any other page a browser asks for
 * (client-side routes such as /projects/3/repositories), so a reload or a bookmark works.
 * Paths under the APIs keep their own 404s.
 */
export function registerPortalRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const files = PortalFiles.open(deps.config.portal.directory ?? DEFAULT_PORTAL_DIRECTORY);

  const portal = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!files) return reply.code(200).type('text/plain; charset=utf-8').header('cache-control', 'no-cache').send(MISSING);
    const path = request.url.split('?', 1)[0] ?? '/';
    const file = path === '/' ? files.index : files.file(path);
    if (file) return send(reply, file);
    return notFound(request, reply, files);
  };

  const notFound = async (request: FastifyRequest, reply: FastifyReply, portalFiles: PortalFiles | undefined) => {
    const path = request.url.split('?', 1)[0] ?? '/';
    const page = (request.method === 'GET' || request.method === 'HEAD') && !isApiPath(path) && (request.headers.accept ?? '').includes('text/html');
    if (page && portalFiles) return send(reply, portalFiles.index);
    if (page) return reply.code(404).type('text/plain; charset=utf-8').send(MISSING);
    return reply.code(404).send({ message: `Route ${request.method}:${path} not found`, error: 'Not Found', statusCode: 404 });
  };

  app.get('/', portal);
  app.get('/assets/*', portal);
  app.get('/favicon.ico', portal);
  app.setNotFoundHandler((request, reply) => notFound(request, reply, files));
}
