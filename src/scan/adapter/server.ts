import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SbomReport, ScanEngine, ScanTarget } from '../engine.js';
import { MIME, SBOM_MEDIA_TYPES, SCANNABLE_MANIFESTS, mimeBase, sameMime, type SbomMediaType } from '../mime.js';
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
      .array(
        z
          .object({
            type: z.string().max(32),
            parameters: z
              .object({ sbom_media_types: z.array(z.string().max(255)).max(8).optional() })
              .loose()
              .nullish(),
          })
          .loose(),
      )
      .max(8)
      .nullish(),
  })
  .loose();

export type AdapterScanRequest = z.output<typeof scanRequestSchema>;

interface Outcome<T> {
  state: 'running' | 'done' | 'failed';
  report?: T;
  error?: string;
}

/**
 * One scan request: a vulnerability scan, or an SBOM generation whose documents are made per
 * format asked for (the one named in the request at once, the other on the first report call
 * that asks for it — at most the spec's two formats).
 */
interface Scan {
  kind: 'vulnerability' | 'sbom';
  vulnerability?: Outcome<VulnerabilityReport>;
  sboms: Map<SbomMediaType, Outcome<SbomReport>>;
  request: AdapterScanRequest;
  signal: AbortSignal;
  finishedAt?: number;
  controller: AbortController;
}

const SBOM_FORMATS: readonly SbomMediaType[] = [SBOM_MEDIA_TYPES.spdx, SBOM_MEDIA_TYPES.cyclonedx];

function sbomFormat(value: string | undefined): SbomMediaType | undefined {
  return SBOM_FORMATS.find((f) => value !== undefined && mimeBase(value) === f);
}

/** The host:port clients name the registry by, from the scan request's registry URL. */
function registryHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'registry';
  }
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
        const enabled = scanRequest.enabled_capabilities;
        const wantsVulnerability = !enabled || enabled.some((c) => c.type === 'vulnerability');
        const sbomAsked = enabled?.find((c) => c.type === 'sbom');
        if (!wantsVulnerability && !(sbomAsked && options.engine.generateSbom))
          return sendError(reply, 501, 'no capability to handle the scan request: vulnerability and sbom scans are supported');
        const firstFormat = sbomAsked ? (sbomAsked.parameters?.sbom_media_types ?? [SBOM_MEDIA_TYPES.spdx]).map(sbomFormat) : [];
        if (sbomAsked && !wantsVulnerability && !firstFormat[0]) return sendError(reply, 400, `sbom_media_types must name one of ${SBOM_FORMATS.join(', ')}`);
        if (!SCANNABLE_MANIFESTS.some((m) => sameMime(m, scanRequest.artifact.mime_type)))
          return sendError(reply, 422, `artifact.mime_type ${scanRequest.artifact.mime_type} cannot be scanned`);
        prune();
        if (scans.size >= maxScans) return sendError(reply, 503, 'too many scans at once; try again later');
        const id = randomUUID();
        const controller = new AbortController();
        const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(options.timeoutMs ?? 60 * 60_000)]);
        const scan: Scan = { kind: wantsVulnerability ? 'vulnerability' : 'sbom', sboms: new Map(), request: scanRequest, signal, controller };
        scans.set(id, scan);
        if (scan.kind === 'vulnerability') {
          const outcome: Outcome<VulnerabilityReport> = { state: 'running' };
          scan.vulnerability = outcome;
          void settle(id, scan, outcome, () => options.engine.scanVulnerabilities(options.readTarget(scanRequest, signal), signal, () => undefined));
        } else {
          startSbom(id, scan, firstFormat[0]!);
        }
        return reply
          .code(202)
          .header('content-type', MIME.scanResponse)
          .send(Buffer.from(JSON.stringify({ id })));
      });

      scope.get<{ Params: { id: string }; Querystring: { sbom_media_type?: string } }>('/scan/:id/report', async (request, reply) => {
        const scan = scans.get(request.params.id);
        if (!scan) return sendError(reply, 404, `scan ${request.params.id} is not known`);
        const accept = request.headers.accept;
        if (scan.kind === 'sbom') {
          if (accept && accept !== '*/*' && !sameMime(accept, MIME.sbomReport)) return sendError(reply, 501, `report type ${accept} is not supported`);
          const asked = request.query.sbom_media_type;
          if (asked === undefined) return sendError(reply, 400, 'an SBOM report needs ?sbom_media_type=');
          const format = sbomFormat(asked);
          if (!format) return sendError(reply, 400, `sbom_media_type must be one of ${SBOM_FORMATS.join(', ')}`);
          const outcome = scan.sboms.get(format) ?? startSbom(request.params.id, scan, format);
          return answer(reply, outcome, MIME.sbomReport);
        }
        const wanted = !accept || accept === '*/*' ? MIME.harborReport : [MIME.genericReport, MIME.harborReport].find((m) => sameMime(m, accept));
        if (!wanted) return sendError(reply, 501, `report type ${accept} is not supported`);
        return answer(reply, scan.vulnerability ?? { state: 'failed', error: 'no vulnerability scan' }, wanted);
      });
    },
    { prefix: ADAPTER_PREFIX },
  );

  function answer(reply: FastifyReply, outcome: Outcome<unknown>, type: string): FastifyReply {
    if (outcome.state === 'running') {
      reply.header('refresh-after', String(refreshAfter));
      return reply.code(302).send();
    }
    if (outcome.state === 'failed') return sendError(reply, 500, outcome.error ?? 'the scan failed');
    return reply.header('content-type', type).send(Buffer.from(JSON.stringify(outcome.report)));
  }

  function startSbom(id: string, scan: Scan, format: SbomMediaType): Outcome<SbomReport> {
    const outcome: Outcome<SbomReport> = { state: 'running' };
    scan.sboms.set(format, outcome);
    const generate = options.engine.generateSbom?.bind(options.engine);
    delete scan.finishedAt;
    void settle(id, scan, outcome, () => {
      if (!generate) throw new Error('this scanner does not generate SBOMs');
      const request = { mediaType: format, registryHost: registryHost(scan.request.registry.url) };
      return generate(options.readTarget(scan.request, scan.signal), request, scan.signal, () => undefined);
    });
    return outcome;
  }

  async function settle<T>(id: string, scan: Scan, outcome: Outcome<T>, run: () => Promise<T>): Promise<void> {
    try {
      outcome.report = await run();
      outcome.state = 'done';
    } catch (err) {
      outcome.state = 'failed';
      outcome.error = err instanceof Error ? err.message : String(err);
      options.log?.warn({ err, scan: id }, 'scanner adapter: scan failed');
    } finally {
      scan.finishedAt = Date.now();
    }
  }

  app.addHook('onClose', async () => {
    for (const scan of scans.values()) scan.controller.abort();
  });
}
