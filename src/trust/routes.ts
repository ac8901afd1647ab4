import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authorizedArtifact, projectByNameOrId, requireProject, requireSystem, type ApiDeps, type ArtifactParams } from '../api/index.js';
import { identityName } from '../auth/index.js';
import { parseBody } from '../platform/http/index.js';
import { effectiveTrust, listMaterial, materialInput, policyInput, readPolicy, SYSTEM_PROJECT } from './material/material.js';
import { addMaterial, deleteMaterial, putPolicy, type TrustScope as Scope } from './material/service.js';
import { signaturesCovering, SIGNATURE_TYPES, type SignatureKind } from './policy/signatures.js';
import type { PassMemory } from './policy/gate.js';
import type { SignatureVerifier } from './verdicts.js';

type ProjectParams = { Params: { project_name_or_id: string } };
type MaterialParams = { Params: { project_name_or_id: string; material_id: string } };

function materialJson(row: { id: number; kind: string; name: string; pem: string; fingerprint: string; created_by: string; created_at: number }) {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    fingerprint: row.fingerprint,
    pem: row.pem,
    created_by: row.created_by,
    creation_time: new Date(row.created_at).toISOString(),
  };
}

/** Trust material (keys, roots) and policy, per project and for the whole system; each signature's verdict under them. */
export function trustRoutes(scope: FastifyInstance, deps: ApiDeps & { verifier: SignatureVerifier; passes: PassMemory }): void {
  const db = () => deps.database.db;

  async function projectScope(request: FastifyRequest<ProjectParams>, action: 'read' | 'update'): Promise<Scope> {
    const { caller, project } = await requireProject(request, deps, projectByNameOrId(request, request.params.project_name_or_id), 'configuration', action);
    return { projectId: project.id, auditProjectId: project.id, operator: identityName(caller.identity), clientIp: request.ip };
  }
  function systemScope(request: FastifyRequest, action: 'read' | 'update'): Scope {
    const caller = requireSystem(request, deps.access, 'configuration', action);
    return { projectId: SYSTEM_PROJECT, auditProjectId: 0, operator: identityName(caller.identity), clientIp: request.ip };
  }

  scope.get('/projects/:project_name_or_id/trust/material', async (request: FastifyRequest<ProjectParams>) => {
    const at = await projectScope(request, 'read');
    return (await listMaterial(db(), at.projectId)).map(materialJson);
  });
  scope.post('/projects/:project_name_or_id/trust/material', async (request: FastifyRequest<ProjectParams>, reply) => {
    const at = await projectScope(request, 'update');
    const row = await addMaterial(deps, at, parseBody(materialInput, request.body));
    deps.passes.forget();
    reply.code(201).header('location', `/api/v2.0/projects/${request.params.project_name_or_id}/trust/material/${row.id}`).send(materialJson(row));
  });
  scope.delete('/projects/:project_name_or_id/trust/material/:material_id', async (request: FastifyRequest<MaterialParams>, reply) => {
    await deleteMaterial(deps, await projectScope(request, 'update'), request.params.material_id);
    deps.passes.forget();
    reply.code(200).send();
  });
  scope.get('/projects/:project_name_or_id/trust/policy', async (request: FastifyRequest<ProjectParams>) =>
    readPolicy(db(), (await projectScope(request, 'read')).projectId),
  );
  scope.put('/projects/:project_name_or_id/trust/policy', async (request: FastifyRequest<ProjectParams>, reply) => {
    await putPolicy(deps, await projectScope(request, 'update'), parseBody(policyInput, request.body));
    deps.passes.forget();
    reply.code(200).send();
  });

  scope.get('/system/trust/material', async (request) => (await listMaterial(db(), systemScope(request, 'read').projectId)).map(materialJson));
  scope.post('/system/trust/material', async (request, reply) => {
    const row = await addMaterial(deps, systemScope(request, 'update'), parseBody(materialInput, request.body));
    deps.passes.forget();
    reply.code(201).header('location', `/api/v2.0/system/trust/material/${row.id}`).send(materialJson(row));
  });
  scope.delete('/system/trust/material/:material_id', async (request: FastifyRequest<{ Params: { material_id: string } }>, reply) => {
    await deleteMaterial(deps, systemScope(request, 'update'), request.params.material_id);
    deps.passes.forget();
    reply.code(200).send();
  });
  scope.get('/system/trust/policy', async (request) => readPolicy(db(), systemScope(request, 'read').projectId));
  scope.put('/system/trust/policy', async (request, reply) => {
    await putPolicy(deps, systemScope(request, 'update'), parseBody(policyInput, request.body));
    deps.passes.forget();
    reply.code(200).send();
  });

  // Each signature of the artifact (its own, and its indexes'), checked against the project's trust now.
  scope.get('/projects/:project_name/repositories/:repository_name/artifacts/:reference/signatures', async (request: FastifyRequest<ArtifactParams>) => {
    const { project, repository, artifact } = await authorizedArtifact(request, deps, 'artifact', 'read');
    const trust = await effectiveTrust(db(), project.id);
    const out = [];
    for (const kind of Object.keys(SIGNATURE_TYPES) as SignatureKind[]) {
      for (const signature of await signaturesCovering(db(), repository.id, artifact.digest, kind)) {
        const verdict = await deps.verifier.verdictOf(db(), signature, kind, trust);
        out.push({
          type: SIGNATURE_TYPES[kind],
          digest: signature.digest,
          subject_digest: signature.subjectDigest,
          verified: verdict.verified,
          signer: verdict.signer,
          ...(verdict.verified ? { details: verdict.details } : { reason: verdict.reason }),
          checked_at: new Date(verdict.checkedAt).toISOString(),
        });
      }
    }
    return out;
  });
}
