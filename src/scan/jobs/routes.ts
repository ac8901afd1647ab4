import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { apiCaller, authorizedArtifact, type ApiDeps, type ArtifactParams } from '../../api/index.js';
import { identityName } from '../../auth/index.js';
import { ApiError } from '../../platform/errors/index.js';
import { MIME, VULNERABILITY_MIMES, sameMime } from '../mime.js';
import type { ScanType } from './plan.js';
import { ScanService } from './service.js';

const ARTIFACT = '/projects/:project_name/repositories/:repository_name/artifacts/:reference';

/** Harbor's ScanType body: `{"scan_type": "vulnerability" | "sbom"}`, optional on scan. */
const scanTypeSchema = z.object({ scan_type: z.string().max(32).optional() }).loose();

function scanType(body: unknown, required: boolean): ScanType {
  if (body === undefined || body === null || body === '') {
    if (required) throw new ApiError('BAD_REQUEST', 'a body {"scan_type": "vulnerability"} is required');
    return 'vulnerability';
  }
  const parsed = scanTypeSchema.safeParse(body);
  if (!parsed.success) throw new ApiError('BAD_REQUEST', 'the body must be {"scan_type": "vulnerability" | "sbom"}');
  const type = parsed.data.scan_type ?? 'vulnerability';
  if (type !== 'vulnerability' && type !== 'sbom') throw new ApiError('BAD_REQUEST', `scan_type must be vulnerability or sbom, not ${type}`);
  return type;
}

/** The report types asked for in X-Accept-Vulnerabilities, in order; the default is both, generic first. */
function acceptedMimes(header: string | string[] | undefined): string[] {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return [...VULNERABILITY_MIMES];
  const asked = value
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean)
    .slice(0, 10);
  const known = asked.flatMap((m) => VULNERABILITY_MIMES.filter((v) => sameMime(v, m)));
  if (known.length === 0) throw new ApiError('BAD_REQUEST', `X-Accept-Vulnerabilities names no supported report type (${VULNERABILITY_MIMES.join(', ')})`);
  return known;
}

/** Scanning an artifact, stopping it, its logs and the vulnerabilities addition. */
export function scanRoutes(scope: FastifyInstance, deps: ApiDeps): void {
  const scans = new ScanService(deps);

  scope.post<ArtifactParams>(`${ARTIFACT}/scan`, async (request, reply) => {
    const type = scanType(request.body, false);
    const { project, repository, artifact, tag } = await authorizedArtifact(request, deps, 'scan', 'create');
    await scans.scan(project, repository.name, artifact, tag, identityName(apiCaller(request).identity), type);
    return reply.code(202).send();
  });

  scope.post<ArtifactParams>(`${ARTIFACT}/scan/stop`, async (request, reply) => {
    const type = scanType(request.body, true);
    const { project, repository, artifact } = await authorizedArtifact(request, deps, 'scan', 'stop');
    await scans.stop(project, repository.name, artifact, identityName(apiCaller(request).identity), type);
    return reply.code(202).send();
  });

  scope.get<ArtifactParams & { Params: { report_id: string } }>(`${ARTIFACT}/scan/:report_id/log`, async (request, reply) => {
    const { artifact } = await authorizedArtifact(request, deps, 'scan', 'read');
    return reply.type('text/plain; charset=utf-8').send(await scans.log(artifact, request.params.report_id));
  });

  scope.get<ArtifactParams>(`${ARTIFACT}/additions/vulnerabilities`, async (request, reply) => {
    const { project, artifact } = await authorizedArtifact(request, deps, 'artifact-addition', 'read');
    const mimes = acceptedMimes(request.headers['x-accept-vulnerabilities']);
    const report = await scans.reportText(project, artifact);
    reply.type('application/json; charset=utf-8');
    // Berth keeps one report; it is shown under the first accepted type, which both carry alike.
    if (report === undefined) return reply.send('{}');
    return reply.send(`{${JSON.stringify(mimes[0] ?? MIME.genericReport)}:${report}}`);
  });
}
