import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { METRICS_CONTENT_TYPE, type Metrics } from './metrics.js';

export const METRICS_PATH = '/metrics';

/** `/metrics` on the app's own port. */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics): void {
  app.get(METRICS_PATH, async (_request, reply) => {
    reply.header('content-type', METRICS_CONTENT_TYPE);
    reply.header('cache-control', 'no-store');
    return metrics.render();
  });
}

/**
 * `/metrics` on a port of its own (Harbor's way): only a scraper's network need reach it. A
 * bare node listener answering one path, so nothing of the API is reachable there.
 */
export async function listenForMetrics(metrics: Metrics, host: string, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET' || path !== METRICS_PATH) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    metrics.render().then(
      (text) => response.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'cache-control': 'no-store' }).end(text),
      () => response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n'),
    );
  });
  // Scrapers reconnect every few seconds; idle ones must not hold shutdown.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

export function closeListener(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
