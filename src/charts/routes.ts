import multipart from '@fastify/multipart';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../api/index.js';
import { ANONYMOUS, CSRF_HEADER, identityName, parseAuthorization, SESSION_COOKIE, type Identity, type ProjectPermissions } from '../auth/index.js';
import { MAX_CHART_BYTES } from '../content/index.js';
import type { Project } from '../platform/db/index.js';
import { ApiError, DomainError, errorHandler, InvalidInputError, type DomainErrorKind } from '../platform/errors/index.js';
import { readCookie, setRequestProject, setRequestUser } from '../platform/http/index.js';
import { findProjectByName } from '../projects/index.js';
import { ChartRepository } from './service.js';

/** A provenance file is a short signed text; anything larger is not one. */
const MAX_PROV_BYTES = 1024 * 1024;

/** Status of each domain error kind on the chart repository's paths. */
const STATUS: Record<DomainErrorKind, number> = {
  'not-found': 404,
  conflict: 409,
  denied: 403,
  precondition: 412,
  quota: 403,
  invalid: 400,
  unsupported: 415,
  'too-large': 413,
  unprocessable: 422,
  'storage-full': 507,
  'too-many': 429,
  'read-only': 403,
};

type ProjectParams = { project: string };

/**
 * The classic Helm chart repository at Harbor's old paths: `/chartrepo/{project}/index.yaml`
 * and `/chartrepo/{project}/charts/{file}` for Helm's repository client, and ChartMuseum's API
 * under `/api/chartrepo/{project}/charts` for the push plugin and scripts. Basic credentials
 * (users, robots) as Helm sends them; errors as ChartMuseum writes them, `{"error": "…"}`.
 */
export async function chartRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const charts = new ChartRepository(deps);
  await app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: MAX_CHART_BYTES, files: 2, fields: 8, parts: 10, fieldSize: 1024 } });
    scope.setErrorHandler(renderError);

    const caller = async (request: FastifyRequest, reply: FastifyReply): Promise<Identity> => {
      const credentials = parseAuthorization(request.headers.authorization);
      await refuseCrossSite(request, deps);
      const auth = await deps.authenticator.authenticate(credentials, request.ip);
      if (!auth.ok) {
        if (auth.retryAfterSeconds !== undefined) reply.header('retry-after', String(auth.retryAfterSeconds));
        reply.header('www-authenticate', 'Basic realm="berth"');
        throw new ApiError(auth.retryAfterSeconds !== undefined ? 'TOO_MANY_REQUEST' : 'UNAUTHORIZED', auth.reason);
      }
      setRequestUser(request, identityName(auth.identity) || 'anonymous');
      return auth.identity ?? ANONYMOUS;
    };

    /** The project when the caller may do `action` on `resource` there; a project it cannot see is 404 (401 when anonymous). */
    const authorize = async (
      request: FastifyRequest,
      reply: FastifyReply,
      projectName: string,
      check: (permissions: ProjectPermissions) => boolean,
    ): Promise<{ project: Project; identity: Identity; permissions: ProjectPermissions }> => {
      const identity = await caller(request, reply);
      setRequestProject(request, projectName);
      const project = await findProjectByName(deps.database.db, projectName);
      const permissions = project ? await deps.access.forProject(identity, project) : undefined;
      const refuse = (status: 'hidden' | 'forbidden') => {
        if (identity.kind === 'anonymous') {
          reply.header('www-authenticate', 'Basic realm="berth"');
          return new ApiError('UNAUTHORIZED', 'authentication required');
        }
        return status === 'hidden'
          ? new ApiError('NOT_FOUND', `project ${projectName} not found`)
          : new ApiError('FORBIDDEN', `not allowed in project ${projectName}`);
      };
      if (!project || !permissions || !permissions.can('', 'read')) throw refuse('hidden');
      if (!check(permissions)) throw refuse('forbidden');
      return { project, identity, permissions };
    };
    const actor = (request: FastifyRequest, identity: Identity) => ({ name: identityName(identity) || 'anonymous', ip: request.ip });

    scope.get<{ Params: ProjectParams }>('/chartrepo/:project/index.yaml', async (request, reply) => {
      const { project } = await authorize(request, reply, request.params.project, (p) => p.can('repository', 'pull'));
      const body = await charts.indexYaml(project);
      return reply.type('application/x-yaml; charset=utf-8').header('cache-control', 'no-cache').send(body);
    });

    scope.get<{ Params: ProjectParams & { file: string } }>('/chartrepo/:project/charts/:file', async (request, reply) => {
      const { project, permissions } = await authorize(request, reply, request.params.project, (p) => p.can('repository', 'pull'));
      const download = await charts.download(project, request.params.file);
      if (!permissions.can('repository', 'pull', download.row.repository)) throw new ApiError('FORBIDDEN', `not allowed to pull ${download.row.repository}`);
      const size = download.kind === 'chart' ? download.row.chart_size : undefined;
      reply.type(download.kind === 'chart' ? 'application/x-tar' : 'application/pgp-signature');
      if (size !== undefined) reply.header('content-length', String(size));
      return reply.send(await charts.readBlob(download.digest));
    });

    scope.get('/api/chartrepo/health', async () => ({ healthy: true }));

    scope.get<{ Params: ProjectParams }>('/api/chartrepo/:project/charts', async (request, reply) => {
      const { project } = await authorize(request, reply, request.params.project, (p) => p.can('repository', 'pull'));
      return charts.charts(project);
    });

    scope.post<{ Params: ProjectParams; Querystring: Record<string, string | undefined> }>('/api/chartrepo/:project/charts', async (request, reply) => {
      const { project, identity, permissions } = await authorize(request, reply, request.params.project, (p) => p.can('repository', 'push'));
      if (!request.isMultipart())
        throw new InvalidInputError('input', 'send the chart as multipart/form-data, in a field named "chart" (and its provenance file in "prov")');
      let chart: Buffer | undefined;
      let prov: Buffer | undefined;
      for await (const part of request.parts()) {
        if (part.type !== 'file') continue;
        if (part.fieldname === 'chart') chart = await part.toBuffer();
        else if (part.fieldname === 'prov') {
          prov = await part.toBuffer();
          if (prov.length > MAX_PROV_BYTES) throw new InvalidInputError('input', `the provenance file is larger than ${MAX_PROV_BYTES} bytes`);
        } else await part.toBuffer();
      }
      if (!chart) throw new InvalidInputError('input', 'no chart in the form: send the .tgz in a field named "chart"');
      const force = request.query.force !== undefined && request.query.force !== 'false';
      const saved = await charts.upload(project, chart, prov, force, actor(request, identity), (repository) => permissions.can('repository', 'push', repository));
      request.log.info({ chart: saved.name, version: saved.version, digest: saved.digest }, 'chart uploaded');
      return reply.code(201).send({ saved: true });
    });

    scope.post<{ Params: ProjectParams }>('/api/chartrepo/:project/prov', async (request, reply) => {
      const { project, identity, permissions } = await authorize(request, reply, request.params.project, (p) => p.can('repository', 'push'));
      if (!request.isMultipart()) throw new InvalidInputError('input', 'send the provenance file as multipart/form-data, in a field named "prov"');
      let prov: Buffer | undefined;
      for await (const part of request.parts()) {
        if (part.type !== 'file') continue;
        const data = await part.toBuffer();
        if (part.fieldname === 'prov') prov = data;
      }
      if (!prov) throw new InvalidInputError('input', 'no provenance file in the form: send it in a field named "prov"');
      if (prov.length > MAX_PROV_BYTES) throw new InvalidInputError('input', `the provenance file is larger than ${MAX_PROV_BYTES} bytes`);
      await charts.uploadProvenance(project, prov, actor(request, identity), (repository) => permissions.can('repository', 'push', repository));
      return reply.code(201).send({ saved: true });
    });

    scope.get<{ Params: ProjectParams & { name: string } }>('/api/chartrepo/:project/charts/:name', async (request, reply) => {
      const { project } = await authorize(request, reply, request.params.project, (p) => p.can('repository', 'pull'));
      return charts.versions(project, request.params.name);
    });

    scope.get<{ Params: ProjectParams & { name: string; version: string } }>('/api/chartrepo/:project/charts/:name/:version', async (request, reply) => {
      const { project } = await authorize(request, reply, request.params.project, (p) => p.can('repository', 'pull'));
      return charts.version(project, request.params.name, request.params.version);
    });

    scope.delete<{ Params: ProjectParams & { name: string; version: string } }>('/api/chartrepo/:project/charts/:name/:version', async (request, reply) => {
      const { project, identity, permissions } = await authorize(request, reply, request.params.project, (p) => p.can('artifact', 'delete'));
      await charts.delete(project, request.params.name, request.params.version, actor(request, identity), (repository) =>
        permissions.can('artifact', 'delete', repository),
      );
      return { deleted: true };
    });

    scope.delete<{ Params: ProjectParams & { name: string } }>('/api/chartrepo/:project/charts/:name', async (request, reply) => {
      const { project, identity, permissions } = await authorize(request, reply, request.params.project, (p) => p.can('artifact', 'delete'));
      await charts.delete(project, request.params.name, undefined, actor(request, identity), (repository) => permissions.can('artifact', 'delete', repository));
      return { deleted: true };
    });
  });
}

/**
 * As on /api/v2.0: a browser attaches the session cookie (and cached Basic credentials) to a
 * cross-site form post on its own, and a multipart post needs no preflight; only a page of
 * this origin can send the session's CSRF token back.
 */
async function refuseCrossSite(request: FastifyRequest, deps: ApiDeps): Promise<void> {
  if (request.method === 'GET' || request.method === 'HEAD') return;
  const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
  if (!cookie) return;
  const session = await deps.sessions.find(cookie, deps.clock.now());
  if (!session || request.headers[CSRF_HEADER] !== session.csrfToken) throw new ApiError('FORBIDDEN', 'CSRF token missing or incorrect');
}

/** ChartMuseum's error body, which the push plugin prints: `{"error": "…"}`. */
function renderError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof DomainError) {
    void reply.code(STATUS[error.kind]).send({ error: error.message });
    return;
  }
  if (error instanceof ApiError) {
    void reply.code(error.status).send({ error: error.message });
    return;
  }
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    void reply.code(status).send({ error: error.message });
    return;
  }
  errorHandler(error, request, reply);
}
