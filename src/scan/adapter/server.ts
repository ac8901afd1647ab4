import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ScanEngine, ScanTarget } from '../engine.js';
import { MIME, SCANNABLE_MANIFESTS, sameMime } from '../mime.js';
import type { VulnerabilityReport } from '../report/types.js';

export const ADAPTER_PREFIX = '/scanner-adapter/api/v1';

/** How the server reads the artifact a request names: over /v2/ from the request's registry in production. */
export type TargetReader = (request: AdapterScanRequest, signal: AbortSignal) => ScanTarget;

export interface AdapterServerOptions {
  engine: ScanEngine;
  /** Callers must send it as X-ScannerAdapter-API-Key or `Authorization: Bearer <key>`. */
  apiKey: string;
  readTarget: TargetReader;
  /** Seconds a poller is told to wait (Refresh-After). */
  refreshAfterSeconds?: number;
  /** Scans kept (running or done) at once; one more is refused with 503 until older ones expire. */
  maxScans?: number;
  /** How long a finished report stays available. */
  keepMs?: number;
  /** A scan running longer than this fails. */
  timeoutMs?: number;
  log?: { warn(obj: object, msg: string): void };
}

const digestPattern = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const repositoryPattern = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

const scanRequestSchema = z
  .object({
    registry: z.object({ url: z.string().url().max(2048), authorization: z.string().max(8192).optional().default('') }).loose(),
    artifact: z
      .object({
        repository: z.string().max(255).regex(repositoryPattern, 'artifact.repository is not a repository name'),
        digest: z.string().max(255).regex(digestPattern, 'artifact.digest is not a digest'),
        tag: z.string().max(128).optional(),
        mime_type: z.string().max(255),
        namespace_id: z.number().int().optional(),
      })
      .loose(),
    enabled_capabilities: z
      .array(z.object({ type: z.string().max(32) }).loose())
      .max(8)
      .nullish(),
  })
  .loose();

export type AdapterScanRequest = z.output<typeof scanRequestSchema>;

interface Scan {
  state: 'running' | 'done' | 'failed';
  report?: VulnerabilityReport;
  error?: string;
  finishedAt?: number;
  controller: AbortController;
}

function sendError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', MIME.error)
    .send(Buffer.from(JSON.stringify({ error: { message } })));
}

function keyMatches(given: string | undefined, key: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Berth as a Harbor scanner adapter (pluggable scanner spec v1.0–1.2): `GET /metadata`,
 * `POST /scan` → 202 `{id}`, `GET /scan/{id}/report` answering 302 + Refresh-After until the
 * report is there. Scans run in this process and are kept in memory for a while, as the spec
 * allows (a caller that gets 404 scans again).
 */
export async function registerAdapterServer(app: FastifyInstance, options: AdapterServerOptions): Promise<void> {
  const scans = new Map<string, Scan>();
  const maxScans = options.maxScans ?? 100;
  const keepMs = options.keepMs ?? 60 * 60_000;
  const refreshAfter = options.refreshAfterSeconds ?? 5;
  const prune = () => {
    const now = Date.now();
    for (const [id, scan] of scans) if (scan.finishedAt !== undefined && now - scan.finishedAt > keepMs) scans.delete(id);
  };

  await app.register(
    async (scope) => {
      scope.addContentTypeParser(
        /^application\/(vnd\.scanner\.adapter\.scan\.request\+)?json/,
        { parseAs: 'string', bodyLimit: 64 * 1024 },
        (_request, body, done) => {
          try {
            done(null, JSON.parse(body as string));
          } catch {
            const error = Object.assign(new Error('the body is not JSON'), { statusCode: 400 });
            done(error, undefined);
          }
        },
      );
      scope.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
        const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
        return sendError(reply, status, status === 500 ? 'internal error' : error.message);
      });
      scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        const header = request.headers['x-scanneradapter-api-key'];
        const apiKey = Array.isArray(header) ? header[0] : header;
        const authorization = request.headers.authorization ?? '';
        const bearer = authorization.toLowerCase().startsWith('bearer ') ? authorization.slice(7).trim() : undefined;
        if (!keyMatches(apiKey, options.apiKey) && !keyMatches(bearer, options.apiKey)) {
          reply.header('www-authenticate', 'Bearer');
          return sendError(reply, 401, 'a valid X-ScannerAdapter-API-Key or Bearer token is required');
        }
      });

      scope.get('/metadata', async (_request, reply) => {
        const metadata = await options.engine.metadata();
        return reply.header('content-type', MIME.metadata).send(Buffer.from(JSON.stringify(metadata)));
      });

      scope.post('/scan', async (request, reply) => {
        const parsed = scanRequestSchema.safeParse(request.body);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          return sendError(reply, request.body && typeof request.body === 'object' ? 422 : 400, `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
        }
        const scanRequest = parsed.data;
        if (scanRequest.enabled_capabilities && !scanRequest.enabled_capabilities.some((c) => c.type === 'vulnerability'))
          return sendError(reply, 501, 'no capability to handle the scan request: only vulnerability scans are supported');
        if (!SCANNABLE_MANIFESTS.some((m) => sameMime(m, scanRequest.artifact.mime_type)))
          return sendError(reply, 422, `artifact.mime_type ${scanRequest.artifact.mime_type} cannot be scanned`);
        prune();
        if (scans.size >= maxScans) return sendError(reply, 503, 'too many scans at once; try again later');
        const id = randomUUID();
        const controller = new AbortController();
        const scan: Scan = { state: 'running', controller };
        scans.set(id, scan);
        const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(options.timeoutMs ?? 60 * 60_000)]);
        void (async () => {
          try {
            const target = options.readTarget(scanRequest, signal);
            scan.report = await options.engine.scanVulnerabilities(target, signal, () => undefined);
            scan.state = 'done';
          } catch (err) {
            scan.state = 'failed';
            scan.error = err instanceof Error ? err.message : String(err);
            options.log?.warn({ err, scan: id }, 'scanner adapter: scan failed');
          } finally {
            scan.finishedAt = Date.now();
          }
        })();
        return reply
          .code(202)
          .header('content-type', MIME.scanResponse)
          .send(Buffer.from(JSON.stringify({ id })));
      });

      scope.get<{ Params: { id: string } }>('/scan/:id/report', async (request, reply) => {
        const scan = scans.get(request.params.id);
        if (!scan) return sendError(reply, 404, `scan ${request.params.id} is not known`);
        const accept = request.headers.accept;
        const wanted = !accept || accept === '*/*' ? MIME.harborReport : [MIME.genericReport, MIME.harborReport].find((m) => sameMime(m, accept));
        if (!wanted) return sendError(reply, 501, `report type ${accept} is not supported`);
        if (scan.state === 'running') {
          reply.header('refresh-after', String(refreshAfter));
          return reply.code(302).send();
        }
        if (scan.state === 'failed') return sendError(reply, 500, scan.error ?? 'the scan failed');
        return reply.header('content-type', wanted).send(Buffer.from(JSON.stringify(scan.report)));
      });
    },
    { prefix: ADAPTER_PREFIX },
  );
  app.addHook('onClose', async () => {
    for (const scan of scans.values()) scan.controller.abort();
  });
}
